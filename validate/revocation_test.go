package validate_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/testpki"
	"github.com/zavera/zavera/revocation"
	"github.com/zavera/zavera/tsp"
	"github.com/zavera/zavera/validate"
)

type revFixture struct {
	ca      *testpki.CA
	resp    *testpki.Responder
	signer  cms.Signer
	content []byte
}

func newRevFixture(t *testing.T) *revFixture {
	ca := testpki.NewCA(t, "Zavera Test Root")
	resp := testpki.StartResponder(t, ca)
	s := ca.SignerExt(t, "leaf", "Иванов Иван", testpki.LeafExt+resp.Ext())
	resp.Valid(s.Certificate)
	return &revFixture{ca, resp, s, []byte("отчёт за квартал")}
}

func (f *revFixture) sign(t *testing.T, at time.Time) []byte {
	sig, err := cms.Sign(bytes.NewReader(f.content), f.signer, &cms.Options{SigningTime: at})
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func (f *revFixture) validate(t *testing.T, sig []byte, ro *validate.RevocationOptions) *validate.SignatureReport {
	t.Helper()
	return f.report(t, sig, ro).Signatures[0]
}

func (f *revFixture) report(t *testing.T, sig []byte, ro *validate.RevocationOptions) *validate.Report {
	t.Helper()
	rep, err := validate.Validate(sig, &validate.Options{Content: bytes.NewReader(f.content),
		Anchors: []*cert.Certificate{f.ca.Cert}, Revocation: ro})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func verdict(s *validate.SignatureReport) string {
	return string(s.Indication) + " " + string(s.SubIndication)
}

func TestRevocationGoodOnline(t *testing.T) {
	f := newRevFixture(t)
	rep := f.report(t, f.sign(t, time.Time{}), &validate.RevocationOptions{})
	s := rep.Signatures[0]
	if s.Indication != validate.Passed || s.Revocation != validate.RevocationGood || len(s.RevocationChecks) != 1 || !s.RevocationChecks[0].Fetched {
		t.Fatalf("%s, revocation %s %+v (%s)", verdict(s), s.Revocation, s.RevocationChecks, s.Detail)
	}
	if a := rep.Simple().Signatures[0].SignatureValidationStatus.Associated; a.Revocation != "good" || len(a.RevocationData) != 1 || a.RevocationData[0].Source != "ocsp" {
		t.Errorf("JSON %+v", a)
	}
}

func TestRevokedBeforeSigningTime(t *testing.T) {
	f := newRevFixture(t)
	f.resp.Revoke(f.signer.Certificate, time.Now().Add(time.Minute))
	sig := f.sign(t, time.Now().Add(2*time.Minute))
	s := f.validate(t, sig, &validate.RevocationOptions{})
	if s.Indication != validate.Failed || s.SubIndication != validate.Revoked {
		t.Fatalf("%s (%s)", verdict(s), s.Detail)
	}
	// Without revocation checking the same signature passes, and says
	// revocation was not checked.
	s = f.validate(t, sig, nil)
	if s.Indication != validate.Passed || s.Revocation != validate.RevocationNotChecked {
		t.Fatalf("unchecked: %s %s", verdict(s), s.Revocation)
	}
}

// Revoked after the signature: the signer's claim is no proof that the
// signature came first, a time-stamp is.
func TestRevokedAfterTimestamp(t *testing.T) {
	f := newRevFixture(t)
	tsa := testpki.StartTSA(t, f.ca, testpki.TSAExt)
	bes := f.sign(t, time.Time{})
	sigT, err := cades.AddTimestamp(context.Background(), bes, &tsp.Client{URL: tsa.URL})
	if err != nil {
		t.Fatal(err)
	}
	f.resp.Revoke(f.signer.Certificate, time.Now().Add(time.Minute))
	if s := f.validate(t, bes, &validate.RevocationOptions{}); s.Indication != validate.Indeterminate || s.SubIndication != validate.RevokedNoPOE {
		t.Fatalf("CAdES-BES: %s (%s)", verdict(s), s.Detail)
	}
	if s := f.validate(t, sigT, &validate.RevocationOptions{}); s.Indication != validate.Passed || s.Revocation != validate.RevocationGood {
		t.Fatalf("CAdES-T: %s %s (%s)", verdict(s), s.Revocation, s.Detail)
	}
}

func TestRevocationUnreachable(t *testing.T) {
	f := newRevFixture(t)
	f.resp.SetDown(true, true)
	s := f.validate(t, f.sign(t, time.Time{}), &validate.RevocationOptions{})
	if s.Indication != validate.Indeterminate || s.SubIndication != validate.TryLater || s.Revocation != validate.RevocationUnavailable {
		t.Fatalf("%s %s (%s)", verdict(s), s.Revocation, s.Detail)
	}
}

func TestRevocationOffline(t *testing.T) {
	f := newRevFixture(t)
	sig := f.sign(t, time.Time{})
	s := f.validate(t, sig, &validate.RevocationOptions{Offline: true})
	if s.Indication != validate.Indeterminate || s.SubIndication != validate.TryLater || !s.RevocationOffline {
		t.Fatalf("offline without data: %s (%s)", verdict(s), s.Detail)
	}
	if !strings.Contains(strings.Join(s.Notes, "\n"), "offline") {
		t.Errorf("notes do not say offline: %q", s.Notes)
	}
	crl, err := revocation.ParseCRL(f.resp.CRL(t, time.Time{}, time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	s = f.validate(t, sig, &validate.RevocationOptions{Offline: true, CRLs: []*revocation.CRL{crl}})
	if s.Indication != validate.Passed || s.RevocationChecks[0].Source != "crl" || s.RevocationChecks[0].Fetched {
		t.Fatalf("offline with a CRL: %s %+v", verdict(s), s.RevocationChecks)
	}
	if o, c := f.resp.Served(); o != 0 || c != 0 {
		t.Errorf("offline, yet %d OCSP and %d CRL requests", o, c)
	}
}

func TestRevocationStaleCRL(t *testing.T) {
	f := newRevFixture(t)
	sig := f.sign(t, time.Time{})
	crl, err := revocation.ParseCRL(f.resp.CRL(t, time.Now().Add(-10*24*time.Hour), time.Now().Add(-3*24*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	s := f.validate(t, sig, &validate.RevocationOptions{Offline: true, CRLs: []*revocation.CRL{crl}})
	if s.Indication != validate.Indeterminate || s.SubIndication != validate.RevocationOutOfBoundsNoPOE || s.Revocation != validate.RevocationStale {
		t.Fatalf("%s %s (%s)", verdict(s), s.Revocation, s.Detail)
	}
}
