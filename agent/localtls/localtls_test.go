package localtls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/internal/osslref"
)

func TestGenerateAndServe(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	ca, err := Generate(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	// No CA key anywhere in the folder.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if e.Name() != KeyFile && strings.Contains(string(data), "PRIVATE KEY") {
			t.Fatalf("%s holds a private key", e.Name())
		}
	}
	if len(entries) != 3 {
		t.Fatalf("files %v", entries)
	}
	if fi, _ := os.Stat(filepath.Join(dir, KeyFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v", fi.Mode())
	}
	conf, err := Load(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	leaf := conf.Certificates[0].Leaf
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "evil.example"}); err == nil {
		t.Error("verified for another name")
	}
	// OpenSSL agrees, and sees the name constraints.
	out := string(osslref.Run(t, nil, "verify", "-CAfile", filepath.Join(dir, CAFile), "-verify_ip", "127.0.0.1", filepath.Join(dir, CertFile)))
	if !strings.Contains(out, "OK") {
		t.Fatalf("openssl verify: %s", out)
	}
	text := string(osslref.Run(t, nil, "x509", "-in", filepath.Join(dir, CAFile), "-noout", "-text"))
	if !strings.Contains(text, "Name Constraints: critical") || !strings.Contains(text, "DNS:localhost") {
		t.Fatalf("CA without name constraints:\n%s", text)
	}

	// A TLS handshake with the CA as the only root.
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("ok"))
			c.Close()
		}
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	c.Close()
	if string(b) != "ok" {
		t.Fatalf("read %q", b)
	}
}

func TestLoadOrGenerate(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	if _, err := Load(dir, now); !errors.Is(err, ErrNoCertificate) {
		t.Fatalf("empty folder: %v", err)
	}
	c1, gen, err := LoadOrGenerate(dir, now)
	if err != nil || !gen {
		t.Fatalf("first: %v %v", gen, err)
	}
	c2, gen, err := LoadOrGenerate(dir, now.Add(time.Hour))
	if err != nil || gen || !c2.Certificates[0].Leaf.Equal(c1.Certificates[0].Leaf) {
		t.Fatalf("second: %v %v", gen, err)
	}
	// Expired: a new one.
	c3, gen, err := LoadOrGenerate(dir, now.Add(CertValidity+48*time.Hour))
	if err != nil || !gen || c3.Certificates[0].Leaf.Equal(c1.Certificates[0].Leaf) {
		t.Fatalf("expired: %v %v", gen, err)
	}
}
