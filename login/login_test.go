package login_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/login"
)

const origin = "https://esia.example"

var nonce = bytes.Repeat([]byte{0xa5}, 32)

// person is a key with a certificate issued by a CA.
type person struct {
	key  *ecdsa.PrivateKey
	cert *cert.Certificate
}

func (p person) signer() cms.Signer { return cms.Signer{Key: p.key, Certificate: p.cert} }

// newCA makes a CA and a person's certificate it issues, valid from
// notBefore to notAfter.
func newCA(t *testing.T, notBefore, notAfter time.Time) (ca *cert.Certificate, p person) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	if ca, err = cert.Parse(caDER); err != nil {
		t.Fatal(err)
	}
	caTmpl.Raw = caDER
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Иванов Иван Иванович"},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caTmpl, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cert.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	return ca, person{key: key, cert: c}
}

func sign(t *testing.T, p person, content []byte, opts *cms.Options) []byte {
	t.Helper()
	sig, err := cms.Sign(bytes.NewReader(content), p.signer(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestVerify(t *testing.T) {
	ca, p := newCA(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	_, stranger := newCA(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	roots := []*cert.Certificate{ca}
	content := login.Content(origin, nonce)
	asLogin := &cms.Options{ContentType: login.ContentType}
	opts := login.Options{Origin: origin, Nonce: nonce, Roots: roots}

	good := sign(t, p, content, asLogin)
	res, err := login.Verify(good, opts)
	if err != nil {
		t.Fatalf("a login signature: %v\n%v", err, res)
	}
	if len(res.Signers) != 1 || res.Signers[0].Certificate.Subject.CommonName != "Иванов Иван Иванович" {
		t.Fatalf("signers: %v", res)
	}

	h, err := cms.NewHash(p.cert.PublicKey, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.Write(content)
	overHash, err := cms.SignDigest(h.Sum(nil), p.signer(), nil)
	if err != nil {
		t.Fatal(err)
	}
	loginOverHash, err := cms.SignDigest(h.Sum(nil), p.signer(), asLogin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := login.Verify(loginOverHash, opts); err != nil {
		t.Fatalf("a login signature made over the content's hash: %v", err)
	}
	otherNonce := bytes.Repeat([]byte{0x5a}, 32)

	for _, tc := range []struct {
		name string
		sig  []byte
		opts login.Options
		want error
	}{
		{"a document signature over the login content", sign(t, p, content, nil), opts, login.ErrNotLogin},
		{"a document signature over the login content's hash", overHash, opts, login.ErrNotLogin},
		{"an attached login signature", sign(t, p, content, &cms.Options{ContentType: login.ContentType, Attached: true}), opts, login.ErrNotLogin},
		{"a login for another origin", sign(t, p, login.Content("https://evil.example", nonce), asLogin), opts, cms.ErrMessageDigest},
		{"a login for another nonce", sign(t, p, login.Content(origin, otherNonce), asLogin), opts, cms.ErrMessageDigest},
		{"a login by a certificate of another CA", sign(t, stranger, content, asLogin), opts, cms.ErrChain},
		{"no trust anchors", good, login.Options{Origin: origin, Nonce: nonce}, login.ErrInvalidArgument},
		{"no origin", good, login.Options{Nonce: nonce, Roots: roots}, login.ErrInvalidArgument},
		{"an origin with a line break", good, login.Options{Origin: origin + "\nnonce=x", Nonce: nonce, Roots: roots}, login.ErrInvalidArgument},
		{"a short nonce", good, login.Options{Origin: origin, Nonce: nonce[:8], Roots: roots}, login.ErrInvalidArgument},
		{"not a signature", []byte("zavera-login-v1"), opts, cms.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := login.Verify(tc.sig, tc.opts); !errors.Is(err, tc.want) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
		})
	}
}

// A signer may state any signing time: a certificate that has expired is
// refused even when the signature claims a time when it was valid.
func TestVerifyCertificateValidAtLogin(t *testing.T) {
	ca, p := newCA(t, time.Now().Add(-30*time.Hour), time.Now().Add(-2*time.Hour))
	sig := sign(t, p, login.Content(origin, nonce), &cms.Options{ContentType: login.ContentType, SigningTime: time.Now().Add(-3 * time.Hour)})
	opts := login.Options{Origin: origin, Nonce: nonce, Roots: []*cert.Certificate{ca}}
	if _, err := login.Verify(sig, opts); !errors.Is(err, cms.ErrExpired) {
		t.Fatalf("a backdated login with an expired certificate: %v, want ErrExpired", err)
	}
	opts.Time = time.Now().Add(-3 * time.Hour)
	if _, err := login.Verify(sig, opts); err != nil {
		t.Fatalf("the same login at the time it states: %v", err)
	}
}

// The content type is the UUID-based OID 2.25.N (ITU-T X.667) and never
// id-data.
func TestContentType(t *testing.T) {
	if got := login.ContentType.String(); got != "2.25.264618441507569999371804154597349044124" {
		t.Fatalf("content type %s", got)
	}
	_, p := newCA(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	sig := sign(t, p, login.Content(origin, nonce), &cms.Options{ContentType: login.ContentType})
	sd, err := cms.Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	if !sd.ContentType.Equal(login.ContentType) || sd.Version != 3 {
		t.Fatalf("eContentType %v, version %d", sd.ContentType, sd.Version)
	}
}
