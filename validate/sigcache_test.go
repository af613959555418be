package validate_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/validate"
)

// Validations sharing a SignatureCache give the same report as without
// it, the second checking none of the certificate signatures the first
// found valid (the signer's, the TSA's, the TSA's CA's, the OCSP
// responder's); a CA certificate changed by one byte is checked again.
func TestSignatureCacheAcrossValidations(t *testing.T) {
	var anchors []*cert.Certificate
	for _, n := range []string{"ca_root_cryptopro-test-uc-2012_gost2012-256.cer", "ca_root_minkomsvyaz-rossii_2018_gost2012-256.der"} {
		c, err := cert.ParseAll(realworldFile(t, n))
		if err != nil {
			t.Fatal(err)
		}
		anchors = append(anchors, c...)
	}
	tsaCA, err := cert.ParseAll(realworldFile(t, "ca_cryptopro-llc_2019_gost2012-256.der"))
	if err != nil {
		t.Fatal(err)
	}
	sig := realworldFile(t, "cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig")
	content := realworldFile(t, "content_cryptoarm_signCadesDetached.txt")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	validateWith := func(sc *cert.SignatureCache, anchors []*cert.Certificate) (*validate.Report, []byte) {
		t.Helper()
		rep, err := validate.Validate(sig, &validate.Options{Content: bytes.NewReader(content), Anchors: anchors, Certificates: tsaCA,
			Revocation: &validate.RevocationOptions{Offline: true}, Now: func() time.Time { return now }, SignatureCache: sc})
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(rep.Simple())
		if err != nil {
			t.Fatal(err)
		}
		return rep, js
	}
	_, want := validateWith(nil, anchors)

	sc := cert.NewSignatureCache(16)
	for i := range 3 {
		rep, got := validateWith(sc, anchors)
		if rep.Indication() != validate.Passed || !bytes.Equal(got, want) {
			t.Fatalf("validation %d with the cache: %s\n%s\nwant\n%s", i+1, rep.Indication(), got, want)
		}
		if i == 0 && (sc.Len() < 4 || sc.Hits() != 0) {
			t.Fatalf("first validation: %d signatures remembered, %d hits; want at least 4 and none", sc.Len(), sc.Hits())
		}
	}
	t.Logf("%d certificate signatures remembered", sc.Len())
	if want := 2 * uint64(sc.Len()); sc.Hits() != want {
		t.Errorf("%d hits over two warm validations, want %d", sc.Hits(), want)
	}

	// The signer's root with one byte of its signature changed keeps its
	// key, so the signer's certificate still verifies under it, but as
	// another pair of certificates: checked again and remembered apart,
	// never answered by the genuine root's entry.
	root := anchors[0]
	bad := bytes.Clone(root.Raw)
	bad[len(bad)-1] ^= 1
	changed, err := cert.Parse(bad)
	if err != nil {
		t.Fatal(err)
	}
	withChanged := append([]*cert.Certificate{changed}, anchors[1:]...)
	entries := sc.Len()
	_, got := validateWith(sc, withChanged)
	_, wantChanged := validateWith(nil, withChanged)
	if !bytes.Equal(got, wantChanged) {
		t.Errorf("with a changed anchor the cache changes the report:\n%s\nwant\n%s", got, wantChanged)
	}
	if sc.Len() <= entries {
		t.Errorf("no new entry for the changed anchor: %d entries before, %d after", entries, sc.Len())
	}
}
