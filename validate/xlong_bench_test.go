package validate_test

import (
	"bytes"
	"testing"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/validate"
)

// BenchmarkValidateXLongType1Offline validates CryptoARM's CAdES-X Long
// Type 1 with what it carries.
func BenchmarkValidateXLongType1Offline(b *testing.B) {
	var anchors []*cert.Certificate
	for _, n := range []string{"ca_root_cryptopro-test-uc-2012_gost2012-256.cer", "ca_root_minkomsvyaz-rossii_2018_gost2012-256.der"} {
		c, err := cert.ParseAll(realworldFileB(b, n))
		if err != nil {
			b.Fatal(err)
		}
		anchors = append(anchors, c...)
	}
	tsaCA, err := cert.ParseAll(realworldFileB(b, "ca_cryptopro-llc_2019_gost2012-256.der"))
	if err != nil {
		b.Fatal(err)
	}
	sig := realworldFileB(b, "cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig")
	content := realworldFileB(b, "content_cryptoarm_signCadesDetached.txt")
	for b.Loop() {
		rep, err := validate.Validate(sig, &validate.Options{Content: bytes.NewReader(content), Anchors: anchors, Certificates: tsaCA,
			Revocation: &validate.RevocationOptions{Offline: true}})
		if err != nil || rep.Indication() != validate.Passed {
			b.Fatal(err)
		}
	}
}
