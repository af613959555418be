package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// TestKeysAddPFXAndSign: a GOST PKCS#12 file that OpenSSL's engine wrote,
// added with 'zavera keys add' and its password once, is listed with its
// certificate, and 'sign' signs with it after the password (OpenSSL
// verifies); a wrong password at 'add' adds nothing.
func TestKeysAddPFXAndSign(t *testing.T) {
	keysHome(t)
	osslref.Require(t)
	base := t.TempDir()
	keyFile, certFile, pfxFile := filepath.Join(base, "k.pem"), filepath.Join(base, "c.pem"), filepath.Join(base, "petrov.pfx")
	osslref.Run(t, nil, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", keyFile)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", keyFile, "-days", "30", "-subj", "/CN=Петров", "-utf8", "-out", certFile)
	osslref.Run(t, nil, "pkcs12", "-export", "-inkey", keyFile, "-in", certFile, "-keypbe", "gost89", "-certpbe", "gost89",
		"-macalg", "md_gost12_256", "-passout", "pass:пароль 3", "-out", pfxFile)

	bad := filepath.Join(base, "bad")
	os.WriteFile(bad, []byte("пароль 4\n"), 0o600)
	if code, out, errOut := tokenCmd(t, runKeys, "add", pfxFile, "--pin-file", bad); code != 1 || !strings.Contains(errOut, "wrong password") {
		t.Fatalf("keys add with a wrong password: exit %d: %s%s", code, out, errOut)
	}
	if _, out, _ := tokenCmd(t, runKeys, "list"); !strings.Contains(out, "No software keys") {
		t.Fatalf("a key was added after a wrong password: %s", out)
	}

	good := filepath.Join(base, "good")
	os.WriteFile(good, []byte("пароль 3\n"), 0o600)
	if code, out, errOut := tokenCmd(t, runKeys, "add", pfxFile, "--pin-file", good); code != 0 || strings.Contains(errOut, "not usable") {
		t.Fatalf("keys add: exit %d: %s%s", code, out, errOut)
	}
	code, out, errOut := tokenCmd(t, runKeys, "list", "--json")
	var keys []softKeyJSON
	if code != 0 || json.Unmarshal([]byte(out), &keys) != nil {
		t.Fatalf("keys list: exit %d: %s%s", code, out, errOut)
	}
	if len(keys) != 1 || keys[0].CertificateID == "" || !keys[0].PasswordNeeded {
		t.Fatalf("keys list: %+v", keys)
	}
	docs := writeDocs(t, t.TempDir(), 1)
	code, out, errOut = tokenCmd(t, runSign, append([]string{"--no-discovery", "--cert", keys[0].CertificateID, "--pin-file", good}, docs...)...)
	if code != 0 {
		t.Fatalf("sign: exit %d: %s%s", code, out, errOut)
	}
	if !opensslVerifies(t, docs[0]+".sig", docs[0], certFile) {
		t.Fatalf("%s.sig does not verify", docs[0])
	}
}
