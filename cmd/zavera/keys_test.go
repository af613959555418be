package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/agent/softtoken"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/keyfile/cpcontainer"
)

// keysHome gives the test a state and configuration folder of its own and
// no PKCS#11 modules.
func keysHome(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("ZAVERA_PKCS11_MODULES", "")
}

// containerWithPassword writes a CryptoPro container of a GOST key and
// certificate that OpenSSL made; it returns the folder and the
// certificate's PEM file.
func containerWithPassword(t *testing.T, password string) (dir, certPEM string) {
	t.Helper()
	osslref.Require(t)
	base := t.TempDir()
	keyFile, certFile := filepath.Join(base, "k.pem"), filepath.Join(base, "c.pem")
	osslref.Run(t, nil, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:B", "-out", keyFile)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", keyFile, "-days", "30", "-subj", "/CN=Сидоров", "-utf8", "-out", certFile)
	data, _ := os.ReadFile(keyFile)
	key, err := softtoken.ParseKey(data)
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := os.ReadFile(certFile)
	certs, err := cert.ParseAll(pem)
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(base, "sidorov.000")
	err = cpcontainer.Create(dir, key.(*gost.PrivateKey), cpcontainer.CreateOptions{Name: "sidorov", Password: password, Certificate: certs[0].Raw})
	if err != nil {
		t.Fatal(err)
	}
	return dir, certFile
}

// TestKeysAddListSignRemove: a container added with 'zavera keys add' is
// listed by 'keys list' and 'certs', 'sign' signs with it after the
// password (OpenSSL verifies), a wrong password signs nothing, and
// 'keys remove' forgets it.
func TestKeysAddListSignRemove(t *testing.T) {
	keysHome(t)
	dir, certPEM := containerWithPassword(t, "пароль 1")
	code, out, errOut := tokenCmd(t, runKeys, "add", dir)
	if code != 0 || !strings.Contains(out, "Added key ") {
		t.Fatalf("keys add: exit %d: %s%s", code, out, errOut)
	}
	code, out, errOut = tokenCmd(t, runKeys, "list", "--json")
	var keys []softKeyJSON
	if code != 0 || json.Unmarshal([]byte(out), &keys) != nil {
		t.Fatalf("keys list: exit %d: %s%s", code, out, errOut)
	}
	if len(keys) != 1 || keys[0].Name != "sidorov" || !keys[0].Added || !keys[0].PasswordNeeded || keys[0].CertificateID == "" {
		t.Fatalf("keys list: %+v", keys)
	}
	code, out, errOut = tokenCmd(t, runCerts, "--no-discovery", "--json")
	var certs []tokenCertJSON
	if code != 0 || json.Unmarshal([]byte(out), &certs) != nil {
		t.Fatalf("certs: exit %d: %s%s", code, out, errOut)
	}
	if len(certs) != 1 || !certs[0].SoftwareKey || certs[0].ID != keys[0].CertificateID || certs[0].PrivateKey != "software" {
		t.Fatalf("certs: %+v", certs)
	}
	code, out, _ = tokenCmd(t, runCerts, "--no-discovery")
	if code != 0 || !strings.Contains(out, "software key (not a certified token)") {
		t.Errorf("certs text: %s", out)
	}

	docs := writeDocs(t, t.TempDir(), 2)
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("пароль 2\n"), 0o600)
	code, _, errOut = tokenCmd(t, runSign, append([]string{"--no-discovery", "--cert", keys[0].CertificateID, "--pin-file", bad}, docs...)...)
	if code != 1 || !strings.Contains(errOut, "wrong password") {
		t.Fatalf("wrong password: exit %d: %s", code, errOut)
	}
	for _, f := range docs {
		if _, err := os.Stat(f + ".sig"); err == nil {
			t.Fatalf("%s.sig written after a wrong password", f)
		}
	}
	good := filepath.Join(t.TempDir(), "good")
	os.WriteFile(good, []byte("пароль 1\n"), 0o600)
	code, out, errOut = tokenCmd(t, runSign, append([]string{"--no-discovery", "--cert", keys[0].CertificateID, "--pin-file", good}, docs...)...)
	if code != 0 {
		t.Fatalf("sign: exit %d: %s%s", code, out, errOut)
	}
	for _, f := range docs {
		if !opensslVerifies(t, f+".sig", f, certPEM) {
			t.Fatalf("%s.sig does not verify", f)
		}
	}

	code, out, errOut = tokenCmd(t, runKeys, "remove", keys[0].ID)
	if code != 0 {
		t.Fatalf("keys remove: exit %d: %s%s", code, out, errOut)
	}
	code, out, _ = tokenCmd(t, runKeys, "list")
	if code != 0 || !strings.Contains(out, "No software keys") {
		t.Errorf("after remove: %s", out)
	}
	if code, _, _ := tokenCmd(t, runKeys, "remove", keys[0].ID); code != 1 {
		t.Errorf("removing again: exit %d, want 1", code)
	}
	if code, _, _ := tokenCmd(t, runKeys, "frobnicate"); code != 2 {
		t.Errorf("unknown action: exit %d, want 2", code)
	}
}
