package validate

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
)

// testPKI is a CA and a signer made for one test.
type testPKI struct {
	ca, leaf       *cert.Certificate
	caKey, leafKey crypto.Signer
}

var (
	jan2020 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	jan2021 = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
)

// newPKI makes a CA valid over caFrom..caTo and a leaf valid over 2020
// with key usage ku, both with keys of the given kind ("ecdsa", "rsa").
func newPKI(t *testing.T, kind string, caFrom, caTo time.Time, ku x509.KeyUsage) *testPKI {
	t.Helper()
	newKey := func() crypto.Signer {
		if kind == "rsa" {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	p := &testPKI{caKey: newKey(), leafKey: newKey()}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: caFrom, NotAfter: caTo, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, p.caKey.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Signer"},
		NotBefore: jan2020, NotAfter: jan2021, KeyUsage: ku,
	}
	caX, _ := x509.ParseCertificate(caDER)
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caX, p.leafKey.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	if p.ca, err = cert.Parse(caDER); err != nil {
		t.Fatal(err)
	}
	if p.leaf, err = cert.Parse(leafDER); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *testPKI) sign(t *testing.T, content []byte, at time.Time) []byte {
	t.Helper()
	sig, err := cms.Sign(bytes.NewReader(content), cms.Signer{Key: p.leafKey, Certificate: p.leaf}, &cms.Options{SigningTime: at})
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// TestVerdicts checks the verdict each situation gives: a proof against
// the signature is FAILED, whatever could not be checked INDETERMINATE.
func TestVerdicts(t *testing.T) {
	content := []byte("платёжное поручение № 17")
	signing := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	good := newPKI(t, "ecdsa", jan2020.AddDate(-1, 0, 0), jan2021.AddDate(5, 0, 0), x509.KeyUsageDigitalSignature)
	other := newPKI(t, "ecdsa", jan2020.AddDate(-1, 0, 0), jan2021.AddDate(5, 0, 0), x509.KeyUsageDigitalSignature)
	encOnly := newPKI(t, "ecdsa", jan2020.AddDate(-1, 0, 0), jan2021.AddDate(5, 0, 0), x509.KeyUsageKeyEncipherment)
	// The CA's own validity ends before the signing time.
	shortCA := newPKI(t, "ecdsa", jan2020.AddDate(-1, 0, 0), signing.AddDate(0, -1, 0), x509.KeyUsageDigitalSignature)

	tests := []struct {
		name    string
		pki     *testPKI
		signed  time.Time
		content []byte
		opts    Options
		want    verdict
	}{
		{"valid", good, signing, content, Options{Anchors: []*cert.Certificate{good.ca}}, passed},
		{"no anchor", good, signing, content, Options{}, noChain},
		{"another CA as anchor", good, signing, content, Options{Anchors: []*cert.Certificate{other.ca}}, noChain},
		{"other content", good, signing, []byte("другой документ"), Options{Anchors: []*cert.Certificate{good.ca}}, verdict{Failed, HashFailure}},
		{"signed after expiry by its own statement", good, jan2021.AddDate(0, 1, 0), content, Options{Anchors: []*cert.Certificate{good.ca}}, verdict{Failed, Expired}},
		{"signed before issuance by its own statement", good, jan2020.AddDate(0, -1, 0), content, Options{Anchors: []*cert.Certificate{good.ca}}, verdict{Failed, NotYetValid}},
		{"validated after expiry, no proof of time", good, signing, content, Options{Anchors: []*cert.Certificate{good.ca}, At: jan2021.AddDate(1, 0, 0)}, verdict{Indeterminate, OutOfBoundsNoPOE}},
		{"validated at a time inside validity", good, jan2021.AddDate(0, 1, 0), content, Options{Anchors: []*cert.Certificate{good.ca}, At: signing}, passed},
		{"key usage without signing", encOnly, signing, content, Options{Anchors: []*cert.Certificate{encOnly.ca}}, verdict{Indeterminate, ChainConstraintsFailure}},
		{"CA expired at the signing time", shortCA, signing, content, Options{Anchors: []*cert.Certificate{shortCA.ca}}, verdict{Indeterminate, OutOfBoundsNoPOE}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sig := tc.pki.sign(t, content, tc.signed)
			opts := tc.opts
			opts.Content = bytes.NewReader(tc.content)
			rep, err := Validate(sig, &opts)
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if got := (verdict{s.Indication, s.SubIndication}); got != tc.want {
				t.Fatalf("verdict %v, want %v (%s)", got, tc.want, s.Detail)
			}
			wantSource := TimeSigningTime
			if !tc.opts.At.IsZero() {
				wantSource = TimeGiven
			}
			if s.ValidationTimeSource != wantSource {
				t.Errorf("validation time source %q, want %q", s.ValidationTimeSource, wantSource)
			}
		})
	}
}

// TestVerdictsFromOpenSSL checks signatures that OpenSSL makes and this
// package's signer does not: without the signer's certificate inside
// (found with SignerCertificates), and with RSASSA-PSS, which is not
// supported.
func TestVerdictsFromOpenSSL(t *testing.T) {
	osslref.Require(t)
	dir := t.TempDir()
	content := []byte("акт сверки")
	contentFile := filepath.Join(dir, "content.txt")
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("content.txt", content)
	// RSA certificates valid around now, so that OpenSSL signs now.
	now := time.Now()
	p := newPKI(t, "rsa", now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0), x509.KeyUsageDigitalSignature)
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	// The leaf of newPKI is valid over 2020; make one valid now.
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Signer"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 1, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	caX, _ := x509.ParseCertificate(p.ca.Raw)
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caX, p.leafKey.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := cert.Parse(leafDER)
	keyDER, err := x509.MarshalPKCS8PrivateKey(p.leafKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile := write("leaf.pem", pemOf("CERTIFICATE", leafDER))
	keyFile := write("leaf.key", pemOf("PRIVATE KEY", keyDER))
	sign := func(extra ...string) []byte {
		args := append([]string{"cms", "-sign", "-binary", "-outform", "DER", "-in", contentFile, "-signer", certFile, "-inkey", keyFile, "-md", "sha256"}, extra...)
		return osslref.Run(t, nil, args...)
	}
	anchors := []*cert.Certificate{p.ca}

	noCerts := sign("-nocerts")
	rep, err := Validate(noCerts, &Options{Content: bytes.NewReader(content), Anchors: anchors})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Signatures[0]; s.Indication != Indeterminate || s.SubIndication != NoSigningCertificateFound {
		t.Errorf("without the certificate: %s %s (%s)", s.Indication, s.SubIndication, s.Detail)
	}
	rep, err = Validate(noCerts, &Options{Content: bytes.NewReader(content), Anchors: anchors, SignerCertificates: []*cert.Certificate{leaf}})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Signatures[0]; s.Indication != Passed {
		t.Errorf("with the certificate given: %s %s (%s)", s.Indication, s.SubIndication, s.Detail)
	}

	pss := sign("-keyopt", "rsa_padding_mode:pss")
	rep, err = Validate(pss, &Options{Content: bytes.NewReader(content), Anchors: anchors})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Signatures[0]; s.Indication != Indeterminate || s.SubIndication != CryptoConstraintsFailure {
		t.Errorf("RSASSA-PSS: %s %s (%s)", s.Indication, s.SubIndication, s.Detail)
	}
}

// TestReportIndication: one failed signer fails the whole signature, one
// indeterminate makes it indeterminate.
func TestReportIndication(t *testing.T) {
	for _, tc := range []struct {
		in   []Indication
		want Indication
	}{
		{[]Indication{Passed, Passed}, Passed},
		{[]Indication{Passed, Indeterminate}, Indeterminate},
		{[]Indication{Indeterminate, Failed, Passed}, Failed},
		{nil, Indeterminate},
	} {
		r := &Report{}
		for _, i := range tc.in {
			r.Signatures = append(r.Signatures, &SignatureReport{Indication: i})
		}
		if got := r.Indication(); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.in, got, tc.want)
		}
	}
}
