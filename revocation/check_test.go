package revocation_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/testpki"
	"github.com/zavera/zavera/revocation"
)

type fixture struct {
	ca   *testpki.CA
	resp *testpki.Responder
	leaf *cert.Certificate
}

func newFixture(t *testing.T) *fixture {
	ca := testpki.NewCA(t, "Zavera Test Root")
	resp := testpki.StartResponder(t, ca)
	leaf := ca.SignerExt(t, "leaf", "Иванов Иван", testpki.LeafExt+resp.Ext()).Certificate
	resp.Valid(leaf)
	return &fixture{ca, resp, leaf}
}

func TestOCSPGood(t *testing.T) {
	f := newFixture(t)
	if got := revocation.OCSPServers(f.leaf); len(got) != 1 || got[0] != f.resp.URL+"/ocsp" {
		t.Fatalf("OCSP servers %v", got)
	}
	s, err := revocation.Check(context.Background(), f.leaf, f.ca.Cert, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != revocation.SourceOCSP || s.Revoked || !s.Fetched || s.OCSP == nil || s.Signer.Subject.CommonName != "Zavera Test Root" {
		t.Fatalf("status %+v", s)
	}
	if o, c := f.resp.Served(); o != 1 || c != 0 {
		t.Errorf("served %d OCSP, %d CRL", o, c)
	}
}

func TestOCSPRevoked(t *testing.T) {
	f := newFixture(t)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	f.resp.Revoke(f.leaf, at)
	s, err := revocation.Check(context.Background(), f.leaf, f.ca.Cert, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Revoked || !s.RevokedAt.Equal(at) || s.Source != revocation.SourceOCSP || s.Reason != 1 {
		t.Fatalf("status %+v", s)
	}
}

func TestCRLWhenOCSPDown(t *testing.T) {
	f := newFixture(t)
	f.resp.SetDown(true, false)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	f.resp.Revoke(f.leaf, at)
	s, err := revocation.Check(context.Background(), f.leaf, f.ca.Cert, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Revoked || s.Source != revocation.SourceCRL || !s.RevokedAt.Equal(at) {
		t.Fatalf("status %+v", s)
	}
	// Before the revocation the certificate was good.
	s, err = revocation.Check(context.Background(), f.leaf, f.ca.Cert, at.Add(-time.Minute), nil)
	if err != nil || s.Revoked && !s.RevokedAt.After(at.Add(-time.Minute)) {
		t.Fatalf("before the revocation: %+v %v", s, err)
	}
}

func TestUnreachable(t *testing.T) {
	f := newFixture(t)
	f.resp.SetDown(true, true)
	_, err := revocation.Check(context.Background(), f.leaf, f.ca.Cert, time.Now(), nil)
	if !errors.Is(err, revocation.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
}

func TestOfflineUsesOnlyWhatIsGiven(t *testing.T) {
	f := newFixture(t)
	_, err := revocation.Check(context.Background(), f.leaf, f.ca.Cert, time.Now(), &revocation.Options{Offline: true})
	if !errors.Is(err, revocation.ErrUnavailable) {
		t.Fatalf("offline without data: %v", err)
	}
	crl, err := revocation.ParseCRL(f.resp.CRL(t, time.Time{}, time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := revocation.Check(context.Background(), f.leaf, f.ca.Cert, time.Now(), &revocation.Options{Offline: true, CRLs: []*revocation.CRL{crl}})
	if err != nil || s.Revoked || s.Fetched || s.Source != revocation.SourceCRL {
		t.Fatalf("offline with a CRL: %+v %v", s, err)
	}
	if o, c := f.resp.Served(); o != 0 || c != 0 {
		t.Errorf("offline, yet served %d OCSP, %d CRL", o, c)
	}
}

func TestStaleCRL(t *testing.T) {
	f := newFixture(t)
	old := f.resp.CRL(t, time.Now().Add(-10*24*time.Hour), time.Now().Add(-3*24*time.Hour))
	crl, err := revocation.ParseCRL(old)
	if err != nil {
		t.Fatal(err)
	}
	_, err = revocation.Check(context.Background(), f.leaf, f.ca.Cert, time.Now(), &revocation.Options{Offline: true, CRLs: []*revocation.CRL{crl}})
	if !errors.Is(err, revocation.ErrStale) {
		t.Fatalf("got %v, want ErrStale", err)
	}
	// For a time it covers, the same CRL answers.
	if _, err := revocation.Check(context.Background(), f.leaf, f.ca.Cert, time.Now().Add(-5*24*time.Hour), &revocation.Options{Offline: true, CRLs: []*revocation.CRL{crl}}); err != nil {
		t.Fatal(err)
	}
}

func TestCRLOfAnotherCARefused(t *testing.T) {
	f := newFixture(t)
	other := testpki.NewCA(t, "Zavera Test Root")
	// Same name, another key: the CRL claims to be the CA's.
	forged, err := revocation.ParseCRL(testpki.StartResponder(t, other).CRL(t, time.Time{}, time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = revocation.Check(context.Background(), f.leaf, f.ca.Cert, time.Now(), &revocation.Options{Offline: true, CRLs: []*revocation.CRL{forged}})
	if !errors.Is(err, revocation.ErrUnavailable) || !errors.Is(err, revocation.ErrSignature) {
		t.Fatalf("got %v, want ErrUnavailable with ErrSignature", err)
	}
}
