package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/keyfile"
	"github.com/zavera/zavera/pkcs11"
)

// runKeysMove implements `zavera keys move ID --token TOKEN`: the key's
// password and the token's PIN are asked on the terminal (or read from
// --password-file and --pin-file), the user confirms on stdin unless
// --yes, and the key and its certificate are written onto the token. The
// key file is never touched.
func runKeysMove(a *tokenArgs, stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "zavera keys move: "+format+"\n", args...)
		return 1
	}
	k, err := softKeyToMove(a.operands[0])
	if err != nil {
		return fail("%v", err)
	}
	m, err := openTokens(a)
	if err != nil {
		return fail("%v", err)
	}
	defer m.Close()
	tok, err := tokenToMoveTo(m, a.token)
	if err != nil {
		return fail("%v", err)
	}
	if err := m.AcceptsGOSTKeys(tok.ID, k.Certificate.KeyBits); err != nil {
		return fail("%s", moveErrorText(err, tok))
	}

	fmt.Fprintf(stdout, "Key %s (%s)\n", k.ID, k.Path)
	printMoveCertificate(stdout, k)
	fmt.Fprintf(stdout, "Token %q: %s %s, serial %s\n", tok.Label, tok.Manufacturer, tok.Model, tok.Serial)
	fmt.Fprintln(stdout, "The private key and the certificate will be written onto the token; the key cannot be read back from it.")
	if !a.yes {
		fmt.Fprint(stdout, "Move the key onto this token? [y/N] ")
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		if answer := strings.ToLower(strings.TrimSpace(line)); answer != "y" && answer != "yes" && answer != "д" && answer != "да" {
			fmt.Fprintln(stdout, "Nothing was moved.")
			return 1
		}
	}

	passwords, err := newPINSource(a.passwordFile, stderr)
	if err != nil {
		return fail("%v", err)
	}
	defer passwords.wipe()
	password := []byte{}
	if k.PasswordNeeded {
		if password, err = passwords.password(k.Name); err != nil {
			return fail("%v", err)
		}
	}
	c, err := keysource.OpenContents(k, string(password))
	clear(password)
	if err != nil {
		return fail("%s; nothing was written", keyErrorText(err))
	}
	defer c.Wipe()
	pins, err := newPINSource(a.pinFile, stderr)
	if err != nil {
		return fail("%v", err)
	}
	defer pins.wipe()
	id, err := m.ImportKey(tok.ID, c.Key, k.Certificate.Raw, k.Name, pins.get)
	c.Wipe()
	if err != nil {
		return fail("%s", moveErrorText(err, tok))
	}
	fmt.Fprintf(stdout, "Moved: certificate %s is on token %q with its key.\n", id, tok.Label)
	fmt.Fprintf(stdout, "The key file %s is no longer needed to sign with the token. Keep it in a safe place as a copy, or delete it yourself;\n", k.Path)
	fmt.Fprintf(stdout, "'zavera keys remove %s' makes Zavera forget it (the file stays), so that signatures use the token.\n", k.ID)
	return 0
}

// softKeyToMove finds the software key by its ID or its certificate's.
func softKeyToMove(id string) (keysource.KeyInfo, error) {
	for _, k := range softwareKeySource().Keys() {
		if k.ID != id && (k.CertificateID == "" || k.CertificateID != id) {
			continue
		}
		if k.Err != nil {
			return k, fmt.Errorf("key %s cannot be used: %s", id, keyErrorText(k.Err))
		}
		return k, nil
	}
	return keysource.KeyInfo{}, fmt.Errorf("no software key %s: 'zavera keys list' shows the IDs", id)
}

// tokenToMoveTo finds the token by its ID, label or serial number.
func tokenToMoveTo(m *pkcs11.Manager, name string) (pkcs11.Token, error) {
	toks, err := m.Tokens()
	var found []pkcs11.Token
	for _, t := range toks {
		if t.ID == name || t.Label == name || t.Serial == name {
			found = append(found, t)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return pkcs11.Token{}, fmt.Errorf("%d tokens are called %q: name one by its ID ('zavera tokens --json')", len(found), name)
	case err != nil:
		return pkcs11.Token{}, fmt.Errorf("no token %q (%v)", name, err)
	}
	return pkcs11.Token{}, fmt.Errorf("no token %q: 'zavera tokens' lists them", name)
}

func printMoveCertificate(w io.Writer, k keysource.KeyInfo) {
	c := k.Certificate
	fmt.Fprintf(w, "  Certificate:  %s\n", k.CertificateID)
	if s := personName(c.Subject); s != "" {
		fmt.Fprintf(w, "  Owner:        %s\n", s)
	}
	if c.Subject.Organization != "" {
		fmt.Fprintf(w, "  Organisation: %s\n", c.Subject.Organization)
	}
	fmt.Fprintf(w, "  Valid:        %s\n", validityText(c, time.Now()))
	fmt.Fprintf(w, "  Key:          %s\n", c.KeyString())
}

// moveErrorText says why a move failed, in the user's terms.
func moveErrorText(err error, tok pkcs11.Token) string {
	var pe *pkcs11.PINError
	switch {
	case errors.Is(err, pkcs11.ErrNoGOSTKeys):
		return fmt.Sprintf("token %q does not take GOST keys; nothing was written", tok.Label)
	case errors.Is(err, pkcs11.ErrKeyOnToken):
		return fmt.Sprintf("the key is already on token %q; nothing was written", tok.Label)
	case errors.As(err, &pe) && pe.TriesLeft == 0:
		return "the token's PIN is locked; nothing was written"
	case errors.Is(err, pkcs11.ErrPINIncorrect):
		return "wrong PIN for the token; nothing was written"
	case errors.Is(err, pkcs11.ErrCancelled):
		return "cancelled; nothing was written"
	case errors.Is(err, keyfile.ErrWrongPassword):
		return "wrong password for the key; nothing was written"
	}
	return fmt.Sprintf("%v; nothing was kept on the token", err)
}
