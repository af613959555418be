package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// opensslAccepts reports whether OpenSSL verifies cert.pem under ca.pem
// for a TLS server with the given check (-verify_ip X or -verify_hostname X).
func opensslAccepts(t *testing.T, dir string, check ...string) bool {
	t.Helper()
	args := append([]string{"verify", "-CAfile", filepath.Join(dir, "ca.pem"), "-purpose", "sslserver"}, check...)
	out, err := exec.Command("openssl", append(args, filepath.Join(dir, "cert.pem"))...).CombinedOutput()
	return err == nil && strings.Contains(string(out), ": OK")
}

func TestTLSMakesLoopbackCertificateAndDropsCAKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	code, out, errOut := runCmd(t, nil, "tls", "--dir", dir)
	if code != 0 || !strings.Contains(out, "Made a new local CA") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	for _, check := range [][]string{{"-verify_ip", "127.0.0.1"}, {"-verify_ip", "::1"}, {"-verify_hostname", "localhost"}} {
		if !opensslAccepts(t, dir, check...) {
			t.Errorf("OpenSSL refuses the certificate for %v", check)
		}
	}
	// Neither the certificate nor its CA may vouch for another name.
	for _, check := range [][]string{{"-verify_hostname", "portal.example"}, {"-verify_ip", "192.168.0.1"}} {
		if opensslAccepts(t, dir, check...) {
			t.Errorf("OpenSSL accepts the certificate for %v", check)
		}
	}
	// Three files, and the only private key is the loopback certificate's.
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "ca.pem cert.pem key.pem" {
		t.Fatalf("files: %v", names)
	}
	keys := 0
	for _, n := range names {
		data, _ := os.ReadFile(filepath.Join(dir, n))
		for rest := data; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			if strings.Contains(b.Type, "PRIVATE KEY") {
				keys++
			}
		}
	}
	if keys != 1 {
		t.Fatalf("%d private keys in the folder", keys)
	}
	pubOf := func(args ...string) []byte {
		out, err := exec.Command("openssl", args...).Output()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	keyPub := pubOf("pkey", "-in", filepath.Join(dir, "key.pem"), "-pubout")
	certPub := pubOf("x509", "-in", filepath.Join(dir, "cert.pem"), "-noout", "-pubkey")
	caPub := pubOf("x509", "-in", filepath.Join(dir, "ca.pem"), "-noout", "-pubkey")
	if !bytes.Equal(keyPub, certPub) || bytes.Equal(keyPub, caPub) {
		t.Fatal("key.pem is not the loopback certificate's key")
	}
	ca, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	caCert, err := firstCert(ca)
	if err != nil || !caCert.IsCA || caCert.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Fatalf("ca.pem: %v", err)
	}

	// Again: nothing changes. --force: a new CA.
	if code, out, _ := runCmd(t, nil, "tls", "--dir", dir); code != 0 || !strings.Contains(out, "nothing changed") {
		t.Fatalf("second run: %d %s", code, out)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "ca.pem")); !bytes.Equal(again, ca) {
		t.Fatal("a second run replaced the CA")
	}
	if code, _, errOut := runCmd(t, nil, "tls", "--dir", dir, "--force"); code != 0 {
		t.Fatal(errOut)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "ca.pem")); bytes.Equal(again, ca) {
		t.Fatal("--force kept the CA")
	}
}

func TestTLSUsesTheConfigurationsStateFolder(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(`{"stateDir": "`+filepath.Join(dir, "state")+`"}`), 0o600)
	if code, _, errOut := runCmd(t, nil, "tls", "--config", cfg); code != 0 {
		t.Fatal(errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "tls", "cert.pem")); err != nil {
		t.Fatal(err)
	}
}

func TestTLSUsage(t *testing.T) {
	for _, args := range [][]string{{"tls", "extra"}, {"tls", "--dir", "a", "--config", "b"}, {"tls", "--nope"}} {
		if code, _, errOut := runCmd(t, nil, args...); code != 2 || !strings.Contains(errOut, "Usage: zavera tls") {
			t.Errorf("%v: %d %q", args, code, errOut)
		}
	}
	if code, out, _ := runCmd(t, nil, "tls", "--help"); code != 0 || !strings.Contains(out, "CA's private key is destroyed") {
		t.Errorf("--help: %d %q", code, out)
	}
	// A file where the folder should be: a clear failure.
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if code, _, errOut := runCmd(t, nil, "tls", "--dir", filepath.Join(f, "tls")); code != 1 || errOut == "" {
		t.Errorf("unwritable folder: %d %q", code, errOut)
	}
}
