package localtls

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/big"
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

func TestLoadOr(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	if _, err := Load(dir, now); !errors.Is(err, ErrNoCertificate) {
		t.Fatalf("empty folder: %v", err)
	}
	issued := 0
	issue := func(d string) error {
		issued++
		_, err := Generate(d, now)
		return err
	}
	c1, gen, err := LoadOr(dir, now, issue)
	if err != nil || !gen || issued != 1 {
		t.Fatalf("first: %v %v", gen, err)
	}
	c2, gen, err := LoadOr(dir, now.Add(time.Hour), issue)
	if err != nil || gen || issued != 1 || !c2.Certificates[0].Leaf.Equal(c1.Certificates[0].Leaf) {
		t.Fatalf("second: %v %v", gen, err)
	}
	// Expired: a new one.
	c3, gen, err := LoadOr(dir, now.Add(CertValidity+48*time.Hour), func(d string) error {
		issued++
		_, err := Generate(d, now.Add(CertValidity+48*time.Hour))
		return err
	})
	if err != nil || !gen || issued != 2 || c3.Certificates[0].Leaf.Equal(c1.Certificates[0].Leaf) {
		t.Fatalf("expired: %v %v", gen, err)
	}
	// An issuer that fails is reported.
	boom := errors.New("boom")
	if _, _, err := LoadOr(t.TempDir(), now, func(string) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("failing issuer: %v", err)
	}
}

// Issue zeroes the CA key's scalar and the words of its big.Int before it
// returns, and Wipe zeroes the loopback key; the certificate still
// verifies under the CA.
func TestIssueZeroesTheCAKey(t *testing.T) {
	var scalar []byte
	var words []big.Word
	var key *ecdsa.PrivateKey
	inspectCAKey = func(k *ecdsa.PrivateKey, s []byte) {
		key, scalar, words = k, s, privateD(k).Bits()
		if len(s) != 32 || allZero(s) || len(words) == 0 {
			t.Errorf("CA key not drawn: %x %v", s, words)
		}
	}
	t.Cleanup(func() { inspectCAKey = nil })
	is, err := Issue(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if scalar == nil {
		t.Fatal("Issue did not draw its CA key through newCAKey")
	}
	if !allZero(scalar) {
		t.Fatalf("the CA scalar is left in memory: %x", scalar)
	}
	for i, w := range words {
		if w != 0 {
			t.Fatalf("word %d of the CA key's big.Int is left: %x", i, w)
		}
	}
	if privateD(key).Sign() != 0 {
		t.Fatal("the CA key's D is not zero")
	}
	ca, err := x509.ParseCertificate(is.CA)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(is.Leaf)
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.CheckSignatureFrom(ca); err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParsePKCS8PrivateKey(is.Key); err != nil {
		t.Fatal(err)
	}
	keyBuf := is.Key
	is.Wipe()
	if !allZero(keyBuf) {
		t.Fatal("Wipe left the loopback key")
	}
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
