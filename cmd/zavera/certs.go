package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/pkcs11"
)

const certsUsage = `Usage: zavera certs [--module PATH]... [--no-discovery] [--login [--pin-file FILE]] [--json]

Lists the certificates on every token, without asking for a PIN: owner,
organisation, INN, OGRN, SNILS, validity, key algorithm, whether the
private key is on the token, and the certificate's ID, which
'zavera sign --cert ID' takes. The certificates of software keys ('zavera
keys') follow, marked as such.

  --module PATH    load this module too; repeatable (see 'zavera tokens').
  --no-discovery   load only the modules named by --module and
                   ZAVERA_PKCS11_MODULES.
  --login          log in to the tokens that show their certificates only
                   after the PIN ('zavera tokens' says "certificates after
                   login"), asking for the PIN on the terminal, and list
                   theirs too.
  --pin-file FILE  with --login: read the PIN from FILE's first line.
  --json           print JSON.

Exit status: 0 listed, 1 a token or module failed to answer, 2 bad usage.`

// runCerts implements `zavera certs`.
func runCerts(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a, err := parseTokenArgs(args, []string{"module", "pin-file"}, []string{"json", "no-discovery", "login"})
	if errors.Is(err, errTokenHelp) {
		fmt.Fprintln(stdout, certsUsage)
		return 0
	}
	if err == nil && len(a.operands) > 0 {
		err = fmt.Errorf("unexpected argument %q", a.operands[0])
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera certs: %v\n\n%s\n", err, certsUsage)
		return 2
	}
	m, err := openTokens(a)
	if err != nil {
		fmt.Fprintf(stderr, "zavera certs: %v\n", err)
		return 1
	}
	defer m.Close()
	for _, mod := range m.Modules() {
		if mod.Err != nil {
			fmt.Fprintf(stderr, "zavera certs: %v\n", mod.Err)
		}
	}
	certs, listErr := m.Certificates()
	if a.login {
		certs, listErr = loginForCertificates(m, a.pinFile, stderr, certs, listErr)
	}
	var soft []keysource.KeyInfo
	for _, k := range softwareKeySource().Keys() {
		if k.Err == nil {
			soft = append(soft, k)
		}
	}
	now := time.Now()
	if a.json {
		out := make([]tokenCertJSON, len(certs), len(certs)+len(soft))
		for i, c := range certs {
			out[i] = newTokenCertJSON(c, now)
		}
		for _, k := range soft {
			out = append(out, newSoftCertJSON(k, now))
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "zavera certs: %v\n", err)
			return 1
		}
	} else {
		if len(certs) == 0 && len(soft) == 0 {
			fmt.Fprintln(stdout, "No certificates found on the tokens. 'zavera tokens' lists the tokens and modules.")
		}
		for i, c := range certs {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			printTokenCert(stdout, c, now)
		}
		for i, k := range soft {
			if i > 0 || len(certs) > 0 {
				fmt.Fprintln(stdout)
			}
			printSoftCert(stdout, k, now)
		}
	}
	if listErr != nil {
		fmt.Fprintf(stderr, "zavera certs: %v\n", listErr)
		return 1
	}
	return 0
}

// validityText says whether a certificate is valid at now.
func validityText(c *cert.Certificate, now time.Time) string {
	const layout = "2006-01-02 15:04 MST"
	span := c.NotBefore.UTC().Format(layout) + " to " + c.NotAfter.UTC().Format(layout)
	switch {
	case now.Before(c.NotBefore):
		return span + " (not yet valid)"
	case now.After(c.NotAfter):
		return span + " (expired)"
	}
	return span
}

func printTokenCert(w io.Writer, c *pkcs11.Certificate, now time.Time) {
	s := c.Cert.Subject
	row := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-13s %s\n", label+":", value)
		}
	}
	fmt.Fprintf(w, "Certificate %s\n", c.ID)
	row("Owner", personName(s))
	row("Title", s.Title)
	row("Organisation", s.Organization)
	row("INN", s.PersonINN())
	row("INNLE", s.OrganizationINN())
	row("OGRN", s.OGRN)
	row("OGRNIP", s.OGRNIP)
	row("SNILS", s.SNILS)
	row("Issuer", s2(c.Cert.Issuer.CommonName, c.Cert.Issuer.Organization))
	row("Valid", validityText(c.Cert, now))
	row("Key", c.Cert.KeyString()+", private key "+c.Key.String())
	row("Token", fmt.Sprintf("%s (serial %s)", c.Token.Label, c.Token.Serial))
}

// printSoftCert prints the certificate of a software key.
func printSoftCert(w io.Writer, k keysource.KeyInfo, now time.Time) {
	c := k.Certificate
	s := c.Subject
	row := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-13s %s\n", label+":", value)
		}
	}
	fmt.Fprintf(w, "Certificate %s\n", k.CertificateID)
	row("Owner", personName(s))
	row("Title", s.Title)
	row("Organisation", s.Organization)
	row("INN", s.PersonINN())
	row("INNLE", s.OrganizationINN())
	row("OGRN", s.OGRN)
	row("OGRNIP", s.OGRNIP)
	row("SNILS", s.SNILS)
	row("Issuer", s2(c.Issuer.CommonName, c.Issuer.Organization))
	row("Valid", validityText(c, now))
	row("Key", c.KeyString()+", software key (not a certified token)")
	row("Key file", fmt.Sprintf("%s (%s, key %s)", k.Name, k.Path, k.ID))
}

func s2(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// tokenCertJSON is the --json form of a certificate on a token.
type tokenCertJSON struct {
	ID string `json:"id"`
	holderJSON
	ValidNow   bool         `json:"valid_now"`
	KeyBits    int          `json:"key_bits"`
	PrivateKey string       `json:"private_key"`
	Label      string       `json:"label,omitempty"`
	KeyID      string       `json:"key_id,omitempty"`
	Token      pkcs11.Token `json:"token"`
	// SoftwareKey and KeyPath are set for the key of a key file or
	// container.
	SoftwareKey bool   `json:"software_key,omitempty"`
	KeyPath     string `json:"key_path,omitempty"`
}

// newSoftCertJSON is the --json form of a software key's certificate: its
// private_key is "software" and its token names the key file.
func newSoftCertJSON(k keysource.KeyInfo, now time.Time) tokenCertJSON {
	c := k.Certificate
	return tokenCertJSON{
		ID:          k.CertificateID,
		holderJSON:  holderOf(c),
		ValidNow:    !now.Before(c.NotBefore) && !now.After(c.NotAfter),
		KeyBits:     c.KeyBits,
		PrivateKey:  "software",
		Token:       pkcs11.Token{ID: keysource.TokenIDPrefix + k.ID, Label: k.Name, Model: k.Token().Model},
		SoftwareKey: true,
		KeyPath:     k.Path,
	}
}

func newTokenCertJSON(c *pkcs11.Certificate, now time.Time) tokenCertJSON {
	return tokenCertJSON{
		ID:         c.ID,
		holderJSON: holderOf(c.Cert),
		ValidNow:   !now.Before(c.Cert.NotBefore) && !now.After(c.Cert.NotAfter),
		KeyBits:    c.Cert.KeyBits,
		PrivateKey: c.Key.String(),
		Label:      c.Label,
		KeyID:      hex.EncodeToString(c.KeyID),
		Token:      c.Token,
	}
}

// loginForCertificates logs in to every token whose certificates show
// only after a login and lists the certificates again; certs and listErr
// are the listing before.
func loginForCertificates(m *pkcs11.Manager, pinFile string, prompt io.Writer, certs []*pkcs11.Certificate, listErr error) ([]*pkcs11.Certificate, error) {
	toks, _ := m.Tokens()
	var hidden []pkcs11.Token
	for _, t := range toks {
		if t.CertificatesAfterLogin {
			hidden = append(hidden, t)
		}
	}
	if len(hidden) == 0 {
		return certs, listErr
	}
	pins, err := newPINSource(pinFile, prompt)
	if err != nil {
		return certs, errors.Join(listErr, err)
	}
	defer pins.wipe()
	var errs []error
	for _, t := range hidden {
		if err := m.Login(t.ID, pins.get); err != nil {
			errs = append(errs, fmt.Errorf("token %q: %w", t.Label, err))
		}
	}
	certs, err = m.Certificates()
	return certs, errors.Join(append(errs, err)...)
}
