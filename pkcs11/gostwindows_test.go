//go:build windows

package pkcs11

import (
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/streebog"
)

// selfSignedGOST makes a self-signed certificate for key, signed with
// GOST R 34.10-2012 over Streebog-256 (RFC 9215).
func selfSignedGOST(t *testing.T, key *gost.PrivateKey, cn string) []byte {
	t.Helper()
	spki, err := gost.MarshalPKIXPublicKey(key.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	sigAlg := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2})
		})
	}
	name := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{2, 5, 4, 3})
					b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(cn)) })
				})
			})
		})
	}
	now := time.Now().UTC()
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(2) })
		b.AddASN1BigInt(big.NewInt(now.UnixNano()))
		sigAlg(b)
		name(b)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1UTCTime(now.Add(-time.Hour))
			b.AddASN1UTCTime(now.Add(24 * time.Hour))
		})
		name(b)
		b.AddBytes(spki)
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	h := streebog.Sum256(tbsDER)
	sig, err := key.Sign(nil, h[:], nil)
	if err != nil {
		t.Fatal(err)
	}
	var c cryptobyte.Builder
	c.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		sigAlg(b)
		b.AddASN1BitString(sig)
	})
	der, err := c.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// gostWindowsModule puts the Windows GOST module
// (testdata/mingw/gostp11.c) and the libgcrypt DLLs it needs in the
// folder rel (Cyrillic letters in it, see cyrillicFolder), gives it a new
// GOST key and a self-signed certificate for it through the environment,
// and returns the module's path, the key and the certificate.
func gostWindowsModule(t *testing.T, rel string) (string, *gost.PrivateKey, []byte) {
	t.Helper()
	src := filepath.Dir(winTestDLL(t, "x64"))
	dir := cyrillicFolder(t, rel)
	for _, f := range []string{"gostp11.dll", "libgcrypt-20.dll", "libgpg-error-0.dll"} {
		copyFile(t, filepath.Join(src, f), filepath.Join(dir, f))
	}
	curve, err := gost.CurveByName("cp-A")
	if err != nil {
		t.Fatal(err)
	}
	key, err := gost.GenerateKey(curve, nil)
	if err != nil {
		t.Fatal(err)
	}
	der := selfSignedGOST(t, key, "Пользователь Windows")
	d := key.Bytes() // little-endian
	slices.Reverse(d)
	t.Setenv("ZAVERA_GOSTP11_CURVE", "GOST2001-CryptoPro-A")
	t.Setenv("ZAVERA_GOSTP11_D", hex.EncodeToString(d))
	t.Setenv("ZAVERA_GOSTP11_PUB", hex.EncodeToString(key.PublicKey().Bytes()))
	t.Setenv("ZAVERA_GOSTP11_CERT", hex.EncodeToString(der))
	return filepath.Join(dir, "gostp11.dll"), key, der
}

// TestGOSTSignatureFromWindowsModule signs a Streebog hash with a GOST
// key through a Windows PKCS#11 module on libgcrypt
// (testdata/mingw/gostp11.c), loaded from a folder with Cyrillic letters
// together with the libgcrypt DLLs it needs, and checks the signature
// with this project's own GOST code.
func TestGOSTSignatureFromWindowsModule(t *testing.T) {
	path, key, der := gostWindowsModule(t, `Токен\ГОСТ`)
	m, err := Open(Options{Modules: []string{path}, NoEnvironment: true, NoDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Modules()[0].Err; err != nil {
		t.Fatal(err)
	}
	certs, err := m.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 1 || string(certs[0].Cert.Raw) != string(der) || certs[0].Key == KeyMissing {
		t.Fatalf("certificates %+v", certs)
	}
	if cn := certs[0].Cert.Subject.CommonName; cn != "Пользователь Windows" {
		t.Errorf("subject %q", cn)
	}
	asked := 0
	signer, err := m.Signer(certs[0].ID, func(PINRequest) ([]byte, error) { asked++; return []byte("1234"), nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"Документ для подписи", "второй документ"} {
		h := streebog.Sum256([]byte(msg))
		sig, err := signer.Sign(nil, h[:], nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := key.PublicKey().Verify(h[:], sig); err != nil {
			t.Fatalf("the module's signature of %q does not verify: %v", msg, err)
		}
		h[0] ^= 1
		if key.PublicKey().Verify(h[:], sig) == nil {
			t.Fatal("the signature verifies for another hash")
		}
	}
	if asked != 1 {
		t.Errorf("PIN asked %d times, want once", asked)
	}
}
