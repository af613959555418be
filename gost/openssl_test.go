package gost

import (
	"bytes"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// opensslSets are the parameter sets OpenSSL's GOST engine can generate
// keys on, with its algorithm and paramset option and our curve.
var opensslSets = []struct {
	alg, paramset, curve string
}{
	{"gost2012_256", "A", "id-GostR3410-2001-CryptoPro-A-ParamSet"},
	{"gost2012_256", "B", "id-GostR3410-2001-CryptoPro-B-ParamSet"},
	{"gost2012_256", "C", "id-GostR3410-2001-CryptoPro-C-ParamSet"},
	{"gost2012_256", "XA", "id-GostR3410-2001-CryptoPro-XchA-ParamSet"},
	{"gost2012_256", "XB", "id-GostR3410-2001-CryptoPro-XchB-ParamSet"},
	{"gost2012_256", "TCA", "id-tc26-gost-3410-12-256-paramSetA"},
	{"gost2012_256", "TCB", "id-tc26-gost-3410-12-256-paramSetB"},
	{"gost2012_256", "TCC", "id-tc26-gost-3410-12-256-paramSetC"},
	{"gost2012_256", "TCD", "id-tc26-gost-3410-12-256-paramSetD"},
	{"gost2012_512", "A", "id-tc26-gost-3410-12-512-paramSetA"},
	{"gost2012_512", "B", "id-tc26-gost-3410-12-512-paramSetB"},
	{"gost2012_512", "C", "id-tc26-gost-3410-12-512-paramSetC"},
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpenSSLInterop(t *testing.T) {
	osslref.Require(t)
	for _, set := range opensslSets {
		t.Run(set.alg+"-"+set.paramset, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			want, err := CurveByName(set.curve)
			if err != nil {
				t.Fatal(err)
			}

			// A key made by OpenSSL loads from DER and from PEM.
			keyPEM := osslref.Run(t, nil, "genpkey", "-algorithm", set.alg, "-pkeyopt", "paramset:"+set.paramset)
			keyPath := writeFile(t, dir, "key.pem", keyPEM)
			keyDER := osslref.Run(t, nil, "pkey", "-in", keyPath, "-outform", "DER")
			key, err := ParsePKCS8PrivateKey(keyDER)
			if err != nil {
				t.Fatalf("parse OpenSSL's PKCS#8: %v", err)
			}
			if key.Curve() != want {
				t.Fatalf("curve %s, want %s", key.Curve().Name(), want.Name())
			}
			blk, _ := pem.Decode(keyPEM)
			if blk == nil || blk.Type != "PRIVATE KEY" {
				t.Fatalf("OpenSSL wrote no PRIVATE KEY PEM block:\n%s", keyPEM)
			}
			key2, err := ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil || !key2.Equal(key) {
				t.Fatalf("PEM-decoded key differs or fails: %v", err)
			}

			// Its public key, as OpenSSL derives it, equals ours.
			pubDER := osslref.Run(t, nil, "pkey", "-in", keyPath, "-pubout", "-outform", "DER")
			pub, err := ParsePKIXPublicKey(pubDER)
			if err != nil {
				t.Fatalf("parse OpenSSL's SubjectPublicKeyInfo: %v", err)
			}
			if !pub.Equal(key.PublicKey()) {
				t.Fatalf("public key\nOpenSSL %x\nours    %x", pub.Bytes(), key.PublicKey().Bytes())
			}
			ourPubDER, err := MarshalPKIXPublicKey(pub)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ourPubDER, pubDER) {
				t.Errorf("SubjectPublicKeyInfo differs\nOpenSSL %x\nours    %x", pubDER, ourPubDER)
			}
			ourKeyDER, err := MarshalPKCS8PrivateKey(key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ourKeyDER, keyDER) {
				t.Errorf("PKCS#8 differs\nOpenSSL %x\nours    %x", keyDER, ourKeyDER)
			}
			pubPath := writeFile(t, dir, "pub.der", pubDER)

			digest := make([]byte, want.Size())
			if _, err := rand.Read(digest); err != nil {
				t.Fatal(err)
			}
			hashPath := writeFile(t, dir, "hash", digest)

			// OpenSSL signs, we verify.
			sig := osslref.Run(t, nil, "pkeyutl", "-sign", "-inkey", keyPath, "-in", hashPath)
			if err := pub.Verify(digest, sig); err != nil {
				t.Fatalf("OpenSSL's signature does not verify: %v", err)
			}
			bad := append([]byte(nil), sig...)
			bad[3] ^= 0x40
			if err := pub.Verify(digest, bad); err == nil {
				t.Fatal("a changed OpenSSL signature verifies")
			}

			// We sign, OpenSSL verifies.
			ours, err := key.Sign(rand.Reader, digest, nil)
			if err != nil {
				t.Fatal(err)
			}
			sigPath := writeFile(t, dir, "sig", ours)
			out := osslref.Run(t, nil, "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", pubPath, "-in", hashPath, "-sigfile", sigPath)
			if !bytes.Contains(out, []byte("Signature Verified Successfully")) {
				t.Fatalf("OpenSSL rejects our signature: %s", out)
			}
			ours[len(ours)-2] ^= 1
			badPath := writeFile(t, dir, "badsig", ours)
			if _, _, err := osslref.Try(t, nil, "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", pubPath, "-in", hashPath, "-sigfile", badPath); err == nil {
				t.Fatal("OpenSSL accepts a changed signature of ours")
			}

			// Keys we make and write load in OpenSSL, which signs with ours
			// and verifies with ours.
			mine, err := GenerateKey(want, nil)
			if err != nil {
				t.Fatal(err)
			}
			mineDER, err := MarshalPKCS8PrivateKey(mine)
			if err != nil {
				t.Fatal(err)
			}
			minePub, err := MarshalPKIXPublicKey(mine.PublicKey())
			if err != nil {
				t.Fatal(err)
			}
			minePath := writeFile(t, dir, "mine.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mineDER}))
			minePubPath := writeFile(t, dir, "mine.pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: minePub}))
			derived := osslref.Run(t, nil, "pkey", "-in", minePath, "-pubout", "-outform", "DER")
			if !bytes.Equal(derived, minePub) {
				t.Fatalf("OpenSSL derives another public key from our private key\nOpenSSL %x\nours    %x", derived, minePub)
			}
			sig2 := osslref.Run(t, nil, "pkeyutl", "-sign", "-inkey", minePath, "-in", hashPath)
			if err := mine.PublicKey().Verify(digest, sig2); err != nil {
				t.Fatalf("OpenSSL's signature with our key does not verify: %v", err)
			}
			sig3, err := mine.Sign(nil, digest, nil)
			if err != nil {
				t.Fatal(err)
			}
			sig3Path := writeFile(t, dir, "sig3", sig3)
			out = osslref.Run(t, nil, "pkeyutl", "-verify", "-pubin", "-inkey", minePubPath, "-in", hashPath, "-sigfile", sig3Path)
			if !bytes.Contains(out, []byte("Signature Verified Successfully")) {
				t.Fatalf("OpenSSL rejects our signature with our PEM key: %s", out)
			}
		})
	}
}
