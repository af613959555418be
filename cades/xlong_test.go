package cades_test

import (
	"bytes"
	"context"
	"encoding/asn1"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/testpki"
	"github.com/zavera/zavera/tsp"
)

const cryptoARMXLT1 = "cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig"

func realworld(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(osslref.Root(t), "..", "shared", "realworld", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func attributeTypes(si *cms.SignerInfo) map[string]int {
	out := map[string]int{}
	for _, a := range si.UnsignedAttributes {
		out[a.Type.String()] += len(a.Values)
	}
	return out
}

// The CAdES-C time-stamp and the references of CryptoARM's file check
// out as this package computes them.
func TestCryptoARMXLongType1Attributes(t *testing.T) {
	sd, err := cms.ParseAny(realworld(t, cryptoARMXLT1))
	if err != nil {
		t.Fatal(err)
	}
	si := sd.SignerInfos[0]
	toks, data, err := cades.EscTimestamps(si)
	if err != nil || len(toks) != 1 {
		t.Fatalf("%d CAdES-C time-stamps: %v", len(toks), err)
	}
	if err := toks[0].MatchesData(data); err != nil {
		t.Fatal(err)
	}
	if _, err := toks[0].Verify(nil); err != nil {
		t.Fatal(err)
	}
	if err := cades.CheckReferences(si, sd.Certificates); err != nil {
		t.Fatal(err)
	}
	_, ocsps, err := cades.RevocationValues(si)
	if err != nil || len(ocsps) != 1 {
		t.Fatalf("%d OCSP responses: %v", len(ocsps), err)
	}
}

func TestAddXLongType1(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	resp := testpki.StartResponder(t, ca)
	signer := ca.SignerExt(t, "leaf", "Иванов Иван", testpki.LeafExt+resp.Ext())
	resp.Valid(signer.Certificate)
	content := []byte("бухгалтерская отчётность")
	bes, err := cms.Sign(bytes.NewReader(content), signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	roots := []*cert.Certificate{ca.Cert}
	xl, err := cades.AddXLongType1(context.Background(), bes, &cades.XLongOptions{
		Timestamper: &tsp.Client{URL: tsa.URL, Verify: &tsp.VerifyOptions{Roots: roots}}, Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Parse(xl)
	if err != nil {
		t.Fatal(err)
	}
	si := sd.SignerInfos[0]
	// The same attributes as CryptoARM's file, once each.
	ref, _ := cms.ParseAny(realworld(t, cryptoARMXLT1))
	want, got := attributeTypes(ref.SignerInfos[0]), attributeTypes(si)
	if len(want) != len(got) {
		t.Errorf("attributes %v, CryptoARM writes %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("attribute %s: %d values, CryptoARM writes %d", k, got[k], n)
		}
	}
	// In DER order, as CryptoARM writes them.
	var prev []byte
	for _, a := range si.UnsignedAttributes {
		der, _ := cms.MarshalAttribute(a.Type, a.Values...)
		if prev != nil && bytes.Compare(prev, der) > 0 {
			t.Errorf("unsigned attributes not in DER order at %v", a.Type)
		}
		prev = der
	}
	toks, data, err := cades.EscTimestamps(si)
	if err != nil || len(toks) != 1 || toks[0].MatchesData(data) != nil {
		t.Fatalf("CAdES-C time-stamp: %d, %v", len(toks), err)
	}
	if err := cades.CheckReferences(si, sd.Certificates); err != nil {
		t.Fatal(err)
	}
	_, ocsps, err := cades.RevocationValues(si)
	if err != nil || len(ocsps) != 1 || ocsps[0].Status != 0 {
		t.Fatalf("revocation values: %d, %v", len(ocsps), err)
	}
	vals, _ := cades.CertificateValues(si)
	if len(vals) != 2 || !bytes.Equal(vals[0], signer.Certificate.Raw) || !bytes.Equal(vals[1], ca.Cert.Raw) {
		t.Errorf("certificate values: %d", len(vals))
	}
	// Complete references: the root, not the signer.
	cr, _ := si.UnsignedAttribute(cades.OIDCompleteCertRefs)
	var refs []asn1.RawValue
	if _, err := asn1.Unmarshal(cr[0], &refs); err != nil || len(refs) != 1 {
		t.Errorf("%d certificate references: %v", len(refs), err)
	}
	if _, err := cms.Verify(xl, &cms.VerifyOptions{Content: bytes.NewReader(content), Roots: roots}); err != nil {
		t.Fatal(err)
	}
	osslref.Run(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", writeFile(t, "xl.p7s", xl),
		"-content", writeFile(t, "doc.txt", content), "-CAfile", ca.CertFile, "-purpose", "any", "-out", "/dev/null")
	osslref.Run(t, nil, "ts", "-verify", "-token_in", "-in", writeFile(t, "esc.der", toks[0].Raw),
		"-data", writeFile(t, "esc.bin", data), "-CAfile", ca.CertFile)

	// A changed reference no longer matches the CAdES-C time-stamp.
	tampered := bytes.Replace(xl, ocsps[0].RawBasic[len(ocsps[0].RawBasic)-8:], make([]byte, 8), 1)
	if sd2, err := cms.Parse(tampered); err == nil {
		if err := cades.CheckReferences(sd2.SignerInfos[0], sd2.Certificates); err == nil {
			t.Error("a changed OCSP response still matches its reference")
		}
	}
}
