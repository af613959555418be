package validate_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/testpki"
	"github.com/zavera/zavera/tsp"
	"github.com/zavera/zavera/validate"
)

func realworldFile(t *testing.T, name string) []byte {
	t.Helper()
	return realworldFileB(t, name)
}

func realworldFileB(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(osslref.Root(t), "..", "shared", "realworld", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// CryptoARM's CAdES-X Long Type 1 validates offline with what it
// carries: its OCSP response, its responder's and CA's certificates, its
// time-stamps.
func TestCryptoARMXLongType1Offline(t *testing.T) {
	var root []*cert.Certificate
	for _, n := range []string{"ca_root_cryptopro-test-uc-2012_gost2012-256.cer", "ca_root_minkomsvyaz-rossii_2018_gost2012-256.der"} {
		c, err := cert.ParseAll(realworldFile(t, n))
		if err != nil {
			t.Fatal(err)
		}
		root = append(root, c...)
	}
	tsaCA, err := cert.ParseAll(realworldFile(t, "ca_cryptopro-llc_2019_gost2012-256.der"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := validate.Validate(realworldFile(t, "cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig"),
		&validate.Options{Content: bytes.NewReader(realworldFile(t, "content_cryptoarm_signCadesDetached.txt")),
			Anchors: root, Certificates: tsaCA, Revocation: &validate.RevocationOptions{Offline: true}})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Indication != validate.Passed || s.Revocation != validate.RevocationGood || s.ValidationTimeSource != validate.TimeTimestamp {
		t.Fatalf("%s %s (%s), revocation %s, time from %s", s.Indication, s.SubIndication, s.Detail, s.Revocation, s.ValidationTimeSource)
	}
	if rc := s.RevocationChecks[0]; rc.Source != "ocsp" || rc.Fetched {
		t.Errorf("revocation from %s, fetched %v", rc.Source, rc.Fetched)
	}
	if len(s.Timestamps) != 2 || s.Timestamps[0].Indication != validate.Passed || s.Timestamps[1].Type != validate.TimestampCAdESC || s.Timestamps[1].Indication != validate.Passed {
		t.Fatalf("timestamps %+v", s.Timestamps)
	}
	if got := s.BestSignatureTime.UTC().Format(time.RFC3339); got != "2019-11-22T13:15:06Z" {
		t.Errorf("best signature time %s", got)
	}
	// Both tokens carry the same TSA certificate: one validation parses it
	// once and builds its path with the same certificates.
	a, b := s.Timestamps[0], s.Timestamps[1]
	if a.TSA == nil || a.TSA != b.TSA {
		t.Errorf("the TSA certificate of the two time-stamps was parsed apart (%p, %p)", a.TSA, b.TSA)
	}
	if len(a.Chain) != len(b.Chain) || len(a.Chain) < 2 {
		t.Fatalf("TSA paths of %d and %d certificates", len(a.Chain), len(b.Chain))
	}
	for i := range a.Chain {
		if a.Chain[i] != b.Chain[i] {
			t.Errorf("certificate %d of the TSA's path differs between the time-stamps", i)
		}
	}
}

// A CAdES-X Long Type 1 made here validates with its responder and TSA
// gone: everything needed is inside.
func TestXLongType1ValidatesOffline(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	resp := testpki.StartResponder(t, ca)
	signer := ca.SignerExt(t, "leaf", "Иванов Иван", testpki.LeafExt+resp.Ext())
	resp.Valid(signer.Certificate)
	content := []byte("архив")
	bes, err := cms.Sign(bytes.NewReader(content), signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	roots := []*cert.Certificate{ca.Cert}
	xl, err := cades.AddXLongType1(context.Background(), bes, &cades.XLongOptions{Timestamper: &tsp.Client{URL: tsa.URL}, Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	resp.SetDown(true, true)
	ocspBefore, crlBefore := resp.Served()
	rep, err := validate.Validate(xl, &validate.Options{Content: bytes.NewReader(content), Anchors: roots,
		Revocation: &validate.RevocationOptions{Offline: true}, Now: func() time.Time { return time.Now().Add(400 * 24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Indication != validate.Passed || s.Revocation != validate.RevocationGood || s.ValidationTimeSource != validate.TimeTimestamp || len(s.Timestamps) != 2 {
		t.Fatalf("%s %s (%s), revocation %s, time from %s, %d timestamps", s.Indication, s.SubIndication, s.Detail, s.Revocation, s.ValidationTimeSource, len(s.Timestamps))
	}
	for _, ts := range s.Timestamps {
		if ts.Indication != validate.Passed {
			t.Errorf("%s: %s %s", ts.Type, ts.Indication, ts.Detail)
		}
	}
	if o, c := resp.Served(); o != ocspBefore || c != crlBefore {
		t.Error("offline validation asked the responder")
	}
}
