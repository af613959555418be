package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
)

// keysCmd runs 'zavera keys' with stdin.
func keysCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	code := runKeys(args, strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

// tokenCertsJSON runs 'zavera certs --json' on the modules and returns
// the certificates on tokens (software keys left out), by ID.
func tokenCertsJSON(t *testing.T, modules []string) map[string]tokenCertJSON {
	t.Helper()
	code, out, errOut := tokenCmd(t, runCerts, append(modules, "--json")...)
	var certs []tokenCertJSON
	if code != 0 || json.Unmarshal([]byte(out), &certs) != nil {
		t.Fatalf("certs: exit %d: %s%s", code, out, errOut)
	}
	got := map[string]tokenCertJSON{}
	for _, c := range certs {
		if !c.SoftwareKey {
			got[c.ID] = c
		}
	}
	return got
}

// TestKeysMoveOntoToken moves a CryptoPro container key and a PKCS#12 key
// onto the GOST test token with 'zavera keys move' (the token's driver in
// a module host): declining, a wrong PIN and a token without GOST
// (SoftHSM) write nothing; after the move 'certs' lists the certificate
// on the token, 'sign' signs with the token once the file is forgotten,
// OpenSSL verifies, and the key files are still there.
func TestKeysMoveOntoToken(t *testing.T) {
	keysHome(t)
	osslref.Require(t)
	l := newTokenLab(t, 10)
	gostOnly := []string{"--no-discovery", "--module", l.gostMod}
	softOnly := []string{"--no-discovery", "--module", provision.SoftHSMModule}
	before := tokenCertsJSON(t, gostOnly)

	container, containerCert := containerWithPassword(t, "пароль 1")
	base := t.TempDir()
	keyFile, pfxCert, pfxFile := filepath.Join(base, "k.pem"), filepath.Join(base, "c.pem"), filepath.Join(base, "petrov.pfx")
	osslref.Run(t, nil, "genpkey", "-algorithm", "gost2012_512", "-pkeyopt", "paramset:A", "-out", keyFile)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", keyFile, "-md_gost12_512", "-days", "30", "-subj", "/CN=Петров", "-utf8", "-out", pfxCert)
	osslref.Run(t, nil, "pkcs12", "-export", "-inkey", keyFile, "-in", pfxCert, "-keypbe", "gost89", "-certpbe", "gost89",
		"-macalg", "md_gost12_256", "-passout", "pass:пароль 2", "-out", pfxFile)
	pw1, pw2 := filepath.Join(base, "pw1"), filepath.Join(base, "pw2")
	os.WriteFile(pw1, []byte("пароль 1\n"), 0o600)
	os.WriteFile(pw2, []byte("пароль 2\n"), 0o600)

	if code, out, errOut := keysCmd(t, "", "add", container); code != 0 {
		t.Fatalf("keys add container: %d %s%s", code, out, errOut)
	}
	if code, out, errOut := keysCmd(t, "", "add", pfxFile, "--pin-file", pw2); code != 0 {
		t.Fatalf("keys add pfx: %d %s%s", code, out, errOut)
	}
	code, out, errOut := keysCmd(t, "", "list", "--json")
	var keys []softKeyJSON
	if code != 0 || json.Unmarshal([]byte(out), &keys) != nil || len(keys) != 2 {
		t.Fatalf("keys list: %d %s%s", code, out, errOut)
	}

	for i, c := range []struct {
		key               softKeyJSON
		password, certPEM string
	}{{keys[0], pw1, containerCert}, {keys[1], pw2, pfxCert}} {
		move := []string{"move", c.key.ID, "--token", labGOSTToken, "--password-file", c.password}
		// Declined: nothing written.
		code, out, errOut := keysCmd(t, "n\n", append(append(move, gostOnly...), "--pin-file", l.pinFile)...)
		if code != 1 || !strings.Contains(out, "Nothing was moved") || !strings.Contains(out, c.key.CertificateID) ||
			!strings.Contains(out, `Token "`+labGOSTToken+`"`) {
			t.Fatalf("declined move: exit %d: %s%s", code, out, errOut)
		}
		// A token without GOST: refused before any question.
		code, out, errOut = keysCmd(t, "", append([]string{"move", c.key.ID, "--token", labSoftToken, "--yes",
			"--password-file", c.password, "--pin-file", l.pinFile}, softOnly...)...)
		if code != 1 || !strings.Contains(errOut, "does not take GOST keys") {
			t.Fatalf("move onto SoftHSM: exit %d: %s%s", code, out, errOut)
		}
		if got := tokenCertsJSON(t, softOnly); len(got) != 2 {
			t.Fatalf("SoftHSM certificates after the refusal: %+v", got)
		}
		// A wrong PIN: nothing written.
		code, out, errOut = keysCmd(t, "", append(append(move, gostOnly...), "--yes", "--pin-file", l.badPIN)...)
		if code != 1 || !strings.Contains(errOut, "wrong PIN") {
			t.Fatalf("move with a wrong PIN: exit %d: %s%s", code, out, errOut)
		}
		if got := tokenCertsJSON(t, gostOnly); len(got) != len(before)+i {
			t.Fatalf("certificates on the token after a wrong PIN: %d, before %d", len(got), len(before)+i)
		}
		// Confirmed.
		code, out, errOut = keysCmd(t, "y\n", append(append(move, gostOnly...), "--pin-file", l.pinFile)...)
		if code != 0 || !strings.Contains(out, "Moved: certificate "+c.key.CertificateID) || !strings.Contains(out, "zavera keys remove "+c.key.ID) {
			t.Fatalf("move: exit %d: %s%s", code, out, errOut)
		}
		got := tokenCertsJSON(t, gostOnly)[c.key.CertificateID]
		if got.Token.Label != labGOSTToken || got.PrivateKey == "missing" {
			t.Fatalf("certificate on the token: %+v", got)
		}
	}
	for _, p := range []string{container, pfxFile} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("the key file is gone: %v", err)
		}
	}
	// Forget the files: the signatures are the token's now (its PIN, not
	// a file's password, opens them).
	for i, c := range []struct{ key, certPEM string }{{keys[0].ID, containerCert}, {keys[1].ID, pfxCert}} {
		if code, out, errOut := keysCmd(t, "", "remove", c.key); code != 0 {
			t.Fatalf("keys remove: %d %s%s", code, out, errOut)
		}
		docs := writeDocs(t, t.TempDir(), 1)
		code, out, errOut := tokenCmd(t, runSign, append(append([]string{"--cert", keys[i].CertificateID, "--pin-file", l.pinFile}, gostOnly...), docs...)...)
		if code != 0 {
			t.Fatalf("sign with the moved key: exit %d: %s%s", code, out, errOut)
		}
		if !opensslVerifies(t, docs[0]+".sig", docs[0], c.certPEM) {
			t.Fatalf("%s.sig does not verify", docs[0])
		}
	}
}
