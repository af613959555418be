package main

import (
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/login"
)

const verifyUsage = `Usage: zavera verify [--ca FILE]... [--certs FILE]... [--json] SIGNATURE [CONTENT]

Verifies a CAdES signature (DER, BER, PEM, base64 or URL-safe base64) and
shows who signed, when, with which certificate, and what was checked.
CONTENT is the signed document of a detached signature. A login signature
(signChallenge, login content type) is named as such: it signs no document.

  --ca FILE      trust anchors (PEM, DER or base64); repeatable. Without
                 any, the certificate chain is not checked.
  --certs FILE   extra intermediate CA certificates; repeatable.
  --time TIME    when to check the certificate of a signer whose signature
                 states no signing time (RFC 3339, e.g. 2022-03-01T00:00:00Z);
                 default now.
  --json         print the result as JSON.

Exit status: 0 valid, 1 invalid, 2 bad usage or unreadable input.`

// verifyArgs are the parsed arguments of `zavera verify`.
type verifyArgs struct {
	cas, certs []string
	json       bool
	at         time.Time
	signature  string
	content    string
}

// parseVerifyArgs reads options wherever they appear among the operands.
func parseVerifyArgs(args []string) (*verifyArgs, error) {
	a := &verifyArgs{}
	var operands []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			operands = append(operands, arg)
			continue
		}
		if arg == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		switch name {
		case "json":
			if hasValue {
				return nil, fmt.Errorf("--json takes no value")
			}
			a.json = true
		case "ca", "certs", "time":
			if !hasValue {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("--%s needs a value", name)
				}
				i++
				value = args[i]
			}
			switch name {
			case "ca":
				a.cas = append(a.cas, value)
			case "certs":
				a.certs = append(a.certs, value)
			default:
				t, err := time.Parse(time.RFC3339, value)
				if err != nil {
					return nil, fmt.Errorf("--time: %w", err)
				}
				a.at = t
			}
		case "h", "help":
			return nil, errHelp
		default:
			return nil, fmt.Errorf("unknown option %s", arg)
		}
	}
	switch len(operands) {
	case 1:
		a.signature = operands[0]
	case 2:
		a.signature, a.content = operands[0], operands[1]
	default:
		return nil, fmt.Errorf("want SIGNATURE [CONTENT], got %d arguments", len(operands))
	}
	return a, nil
}

var errHelp = errors.New("help")

// runVerify implements `zavera verify`.
func runVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a, err := parseVerifyArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintln(stdout, verifyUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera verify: %v\n\n%s\n", err, verifyUsage)
		return 2
	}
	sig, err := readInput(a.signature, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "zavera verify: %v\n", err)
		return 2
	}
	opts := &cms.VerifyOptions{Time: a.at}
	if opts.Roots, err = loadCertificates(a.cas); err != nil {
		fmt.Fprintf(stderr, "zavera verify: %v\n", err)
		return 2
	}
	if opts.Intermediates, err = loadCertificates(a.certs); err != nil {
		fmt.Fprintf(stderr, "zavera verify: %v\n", err)
		return 2
	}
	if a.content != "" {
		f, err := openInput(a.content, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "zavera verify: %v\n", err)
			return 2
		}
		defer f.Close()
		opts.Content = f
	}
	res, err := cms.Verify(sig, opts)
	if res == nil || errors.Is(err, cms.ErrInvalidArgument) || (errors.Is(err, cms.ErrNoContent) && a.content == "") {
		fmt.Fprintf(stderr, "zavera verify: %s: %v\n", a.signature, err)
		return 2
	}
	if a.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(resultJSON(res, err)); err != nil {
			fmt.Fprintf(stderr, "zavera verify: %v\n", err)
			return 2
		}
	} else {
		printResult(stdout, res, err)
	}
	if err != nil {
		return 1
	}
	return 0
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

func openInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory", name)
	}
	return f, nil
}

func loadCertificates(files []string) ([]*cert.Certificate, error) {
	var out []*cert.Certificate
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		certs, err := cert.ParseAll(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, certs...)
	}
	return out, nil
}

// printResult writes the result for people.
func printResult(w io.Writer, res *cms.Result, err error) {
	sd := res.SignedData
	kind := "attached"
	if sd.Detached {
		kind = "detached"
	}
	verdict := "VALID"
	if err != nil {
		verdict = "INVALID"
	}
	switch ct := sd.ContentType; {
	case ct.Equal(login.ContentType):
		kind += ", a login (signChallenge), not a document"
	case !ct.EqualASN1OID(oidData):
		kind += ", content type " + ct.String()
	}
	fmt.Fprintf(w, "Signature: %s, %s, %d signer(s)\n", verdict, kind, len(res.Signers))
	for _, s := range res.Signers {
		v := "valid"
		if !s.Valid() {
			v = "INVALID"
		}
		fmt.Fprintf(w, "\nSigner %d: %s\n", s.Index+1, v)
		if c := s.Certificate; c != nil {
			n := c.Subject
			row(w, "Owner", personName(n))
			row(w, "Title", n.Title)
			row(w, "Organisation", n.Organization)
			row(w, "INN", n.PersonINN())
			row(w, "INN (organisation)", n.OrganizationINN())
			row(w, "OGRN", n.OGRN)
			row(w, "OGRNIP", n.OGRNIP)
			row(w, "SNILS", n.SNILS)
			row(w, "Email", n.Email)
		}
		if s.HasSigningTime {
			row(w, "Signed at", s.SigningTime.UTC().Format("2006-01-02 15:04:05 UTC"))
		} else {
			row(w, "Signed at", "not stated in the signature")
		}
		row(w, "Digest", s.DigestAlgorithm)
		if c := s.Certificate; c != nil {
			row(w, "Certificate", fmt.Sprintf("serial %X, %s", c.SerialNumber, c.KeyString()))
			row(w, "Issuer", c.Issuer.String())
			row(w, "Valid", fmt.Sprintf("%s to %s", c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly)))
			sum := c.ThumbprintSHA1()
			row(w, "SHA-1 thumbprint", hex.EncodeToString(sum[:]))
		}
		fmt.Fprintln(w, "  Checks:")
		for _, c := range s.Checks {
			line := fmt.Sprintf("    %-21s %-7s", c.Name, c.Outcome)
			if c.Detail != "" {
				line += " " + c.Detail
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	if err != nil {
		fmt.Fprintf(w, "\nError: %v\n", err)
	}
}

func row(w io.Writer, label, value string) {
	if value != "" {
		fmt.Fprintf(w, "  %-19s %s\n", label+":", value)
	}
}

func personName(n cert.Name) string {
	if n.Surname != "" && n.GivenName != "" {
		return n.Surname + " " + n.GivenName
	}
	return n.CommonName
}

// oidData is id-data, the content type of documents.
var oidData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}

// verifyJSON is the --json form of a result.
type verifyJSON struct {
	Valid    bool `json:"valid"`
	Detached bool `json:"detached"`
	// ContentType is the eContentType, dotted; Login says it is the
	// login content type of signChallenge.
	ContentType string       `json:"content_type"`
	Login       bool         `json:"login"`
	Error       string       `json:"error,omitempty"`
	Signers     []signerJSON `json:"signers"`
}

type signerJSON struct {
	Index       int              `json:"index"`
	Valid       bool             `json:"valid"`
	Error       string           `json:"error,omitempty"`
	SigningTime *time.Time       `json:"signing_time,omitempty"`
	Digest      string           `json:"digest_algorithm"`
	Certificate *certificateJSON `json:"certificate,omitempty"`
	Checks      []checkJSON      `json:"checks"`
}

type certificateJSON struct {
	Subject string `json:"subject"`
	holderJSON
	ThumbprintGOST string `json:"thumbprint_streebog256"`
	ChainAnchor    string `json:"trust_anchor,omitempty"`
}

type checkJSON struct {
	Name    string `json:"name"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
}

func resultJSON(res *cms.Result, err error) verifyJSON {
	out := verifyJSON{Valid: err == nil, Detached: res.SignedData.Detached, Signers: []signerJSON{},
		ContentType: res.SignedData.ContentType.String(), Login: res.SignedData.ContentType.Equal(login.ContentType)}
	if err != nil {
		out.Error = err.Error()
	}
	for _, s := range res.Signers {
		sj := signerJSON{Index: s.Index + 1, Valid: s.Valid(), Digest: s.DigestAlgorithm, Checks: []checkJSON{}}
		if s.Err != nil {
			sj.Error = s.Err.Error()
		}
		if s.HasSigningTime {
			t := s.SigningTime.UTC()
			sj.SigningTime = &t
		}
		if c := s.Certificate; c != nil {
			gost := c.ThumbprintStreebog()
			cj := &certificateJSON{Subject: c.Subject.String(), holderJSON: holderOf(c), ThumbprintGOST: hex.EncodeToString(gost[:])}
			if len(s.Chain) > 0 {
				cj.ChainAnchor = s.Chain[len(s.Chain)-1].Subject.String()
			}
			sj.Certificate = cj
		}
		for _, c := range s.Checks {
			sj.Checks = append(sj.Checks, checkJSON{Name: string(c.Name), Outcome: c.Outcome.String(), Detail: c.Detail})
		}
		out.Signers = append(out.Signers, sj)
	}
	return out
}
