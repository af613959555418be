package tsp_test

import (
	"context"
	"encoding/asn1"
	"errors"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/testpki"
	"github.com/zavera/zavera/tsp"
)

func TestTimestampFromOpenSSLTSA(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test TSA Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	for _, size := range []int{32, 64} {
		alg, digest, err := tsp.Digest([]byte("документ"), size)
		if err != nil {
			t.Fatal(err)
		}
		c := &tsp.Client{URL: tsa.URL, Verify: &tsp.VerifyOptions{Roots: []*cert.Certificate{ca.Cert}}}
		before := time.Now().Add(-2 * time.Second)
		tok, err := c.Timestamp(context.Background(), alg, digest)
		if err != nil {
			t.Fatalf("Streebog-%d: %v", size*8, err)
		}
		if err := tok.MatchesData([]byte("документ")); err != nil {
			t.Errorf("Streebog-%d: %v", size*8, err)
		}
		if tok.GenTime.Before(before) || tok.GenTime.After(time.Now().Add(2*time.Second)) {
			t.Errorf("genTime %v is not now", tok.GenTime)
		}
		if tok.Nonce == nil || !tok.Policy.Equal(asn1.ObjectIdentifier{1, 2, 643, 100, 113, 1, 99}) {
			t.Errorf("nonce %v policy %v", tok.Nonce, tok.Policy)
		}
		v, err := tok.Verify(&tsp.VerifyOptions{Roots: []*cert.Certificate{ca.Cert}})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Chain) != 2 || v.TSA.Subject.CommonName != "Zavera Test TSA" {
			t.Errorf("TSA %v chain of %d", v.TSA.Subject, len(v.Chain))
		}
	}
	if tsa.Served() != 2 {
		t.Errorf("served %d requests", tsa.Served())
	}
}

func TestTimestampWrongImprintRefused(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test TSA Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	alg, other, _ := tsp.Digest([]byte("another document"), 32)
	tsa.Tamper = func(q []byte) []byte {
		req := &tsp.Request{HashAlgorithm: alg, Digest: other, CertReq: true}
		der, err := req.Marshal()
		if err != nil {
			t.Error(err)
		}
		return der
	}
	_, digest, _ := tsp.Digest([]byte("document"), 32)
	_, err := (&tsp.Client{URL: tsa.URL}).Timestamp(context.Background(), alg, digest)
	if !errors.Is(err, tsp.ErrImprint) {
		t.Fatalf("got %v, want ErrImprint", err)
	}
}

func TestTimestampNonceChecked(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test TSA Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	alg, digest, _ := tsp.Digest([]byte("document"), 32)
	// The TSA answers a replayed request: same imprint, no nonce.
	tsa.Tamper = func(q []byte) []byte {
		der, err := (&tsp.Request{HashAlgorithm: alg, Digest: digest, CertReq: true}).Marshal()
		if err != nil {
			t.Error(err)
		}
		return der
	}
	_, err := (&tsp.Client{URL: tsa.URL}).Timestamp(context.Background(), alg, digest)
	if !errors.Is(err, tsp.ErrNonce) {
		t.Fatalf("got %v, want ErrNonce", err)
	}
}

func TestCertificateWithoutTimeStampingRefused(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test TSA Root")
	// openssl itself refuses to sign time-stamps with these, so the
	// check is made on the certificates.
	_, noncrit := ca.Issue(t, "noncrit", "Non-critical", "keyUsage = critical, digitalSignature\nextendedKeyUsage = timeStamping\n")
	_, doc := ca.Issue(t, "doc", "Documents", "keyUsage = critical, digitalSignature\nextendedKeyUsage = critical, timeStamping, emailProtection\n")
	_, good := ca.Issue(t, "good", "TSA", testpki.TSAExt)
	for name, c := range map[string]*cert.Certificate{"no EKU": ca.Cert, "non-critical": testpki.Load(t, noncrit), "two usages": testpki.Load(t, doc)} {
		if err := tsp.CheckTSACertificate(c); !errors.Is(err, tsp.ErrNotTSA) {
			t.Errorf("%s: got %v, want ErrNotTSA", name, err)
		}
	}
	if err := tsp.CheckTSACertificate(testpki.Load(t, good)); err != nil {
		t.Error(err)
	}
}

func TestTimestampUntrustedTSA(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test TSA Root")
	other := testpki.NewCA(t, "Another Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	alg, digest, _ := tsp.Digest([]byte("document"), 32)
	c := &tsp.Client{URL: tsa.URL, Verify: &tsp.VerifyOptions{Roots: []*cert.Certificate{other.Cert}}}
	_, err := c.Timestamp(context.Background(), alg, digest)
	if !errors.Is(err, tsp.ErrSignature) || tsp.IsInvalid(err) {
		t.Fatalf("got %v, want an unchecked chain", err)
	}
}

func TestTimestampUnreachable(t *testing.T) {
	alg, digest, _ := tsp.Digest([]byte("document"), 32)
	c := &tsp.Client{URL: "http://127.0.0.1:1/tsa"}
	if _, err := c.Timestamp(context.Background(), alg, digest); !errors.Is(err, tsp.ErrTransport) {
		t.Fatalf("got %v, want ErrTransport", err)
	}
}

func TestParseResponseRejected(t *testing.T) {
	// TimeStampResp { status { rejection, failInfo badAlg } }
	der := []byte{0x30, 0x09, 0x30, 0x07, 0x02, 0x01, 0x02, 0x03, 0x02, 0x07, 0x80}
	if _, err := tsp.ParseResponse(der); !errors.Is(err, tsp.ErrRejected) {
		t.Fatalf("got %v, want ErrRejected", err)
	}
}
