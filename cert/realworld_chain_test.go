package cert

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/internal/osslref"
)

// TestRealWorldSignatures checks every issuer/subject pair among the real
// certificates (self-signed roots included) and compares the verdict with
// OpenSSL's, GOST R 34.10-2001 signatures included.
func TestRealWorldSignatures(t *testing.T) {
	files := realworldCerts(t)
	certs := make([]*Certificate, len(files))
	for i, f := range files {
		certs[i] = loadOne(t, f)
	}
	verified := map[string]bool{}
	dir := t.TempDir()
	for i, child := range certs {
		for j, issuer := range certs {
			if !issuedBy(child, issuer) {
				continue
			}
			pair := filepath.Base(files[i]) + " by " + filepath.Base(files[j])
			err := child.CheckSignatureFrom(issuer)
			ossl := opensslSignatureOK(t, dir, child, issuer)
			if (err == nil) != ossl {
				t.Errorf("%s: Zavera says %v, OpenSSL accepts: %v", pair, err, ossl)
			}
			if err == nil {
				verified[pair] = true
			}
			// A flipped bit in the signature must be refused.
			bad := *child
			bad.Signature = append([]byte(nil), child.Signature...)
			bad.Signature[len(bad.Signature)/3] ^= 0x10
			if err := bad.CheckSignatureFrom(issuer); !errors.Is(err, ErrBadSignature) {
				t.Errorf("%s with a corrupted signature: %v, want ErrBadSignature", pair, err)
			}
		}
	}
	// The pairs README.md promises: the accredited CAs under the 2018 root,
	// the ESIA test organisation under its CA, and the self-signed roots.
	want := []string{
		"ca_cryptopro-llc_2019_gost2012-256.der by ca_root_minkomsvyaz-rossii_2018_gost2012-256.der",
		"ca_federalnoe-kaznacheystvo_2018_gost2012-256.cer by ca_root_minkomsvyaz-rossii_2018_gost2012-256.der",
		"ca_sertum-pro_2019_gost2012-256.der by ca_root_minkomsvyaz-rossii_2018_gost2012-256.der",
		"ca_skb-kontur_2018_gost2012-256.der by ca_root_minkomsvyaz-rossii_2018_gost2012-256.der",
		"ca_tensor_2019_gost2012-256.der by ca_root_minkomsvyaz-rossii_2018_gost2012-256.der",
		"ee_esia-test-demo-org-57402_innle-ogrn.pem by ca_root_esia-test-blastoff_gost2012-256_nullparams.pem",
	}
	for _, self := range []string{"ca_root_minkomsvyaz-rossii_2018_gost2012-256.der", "ca_root_mincifry-rossii_2026_gost2012-256.der",
		"ca_root_esia-test-blastoff_gost2012-256_nullparams.pem", "ca_root_cryptopro-test-uc-2012_gost2012-256.cer",
		"ca_root_tc26-example-ca_gost2012-256_paramsetA.pem",
		"ca_root_golovnoy-uc_2012_gost2001.cer", "ca_root_cryptopro-test-center-2_2014_gost2001.cer"} {
		want = append(want, self+" by "+self)
	}
	for _, p := range want {
		if !verified[p] {
			t.Errorf("not verified: %s", p)
		}
	}
}

// opensslSignatureOK asks OpenSSL whether issuer's key verifies child's
// signature, with issuer as the only trust anchor and time checks off.
func opensslSignatureOK(t *testing.T, dir string, child, issuer *Certificate) bool {
	t.Helper()
	cf := filepath.Join(dir, "child.der")
	inf := filepath.Join(dir, "issuer.pem")
	if err := os.WriteFile(cf, child.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	pemIssuer := osslref.Run(t, issuer.Raw, "x509", "-inform", "DER", "-outform", "PEM")
	if err := os.WriteFile(inf, pemIssuer, 0o600); err != nil {
		t.Fatal(err)
	}
	pemChild := osslref.Run(t, child.Raw, "x509", "-inform", "DER", "-outform", "PEM")
	out, errOut, err := osslref.Try(t, pemChild, "verify", "-partial_chain", "-no_check_time", "-check_ss_sig",
		"-purpose", "any", "-trusted", inf)
	if err != nil {
		// OpenSSL also refuses issuers that are no CA; only a signature
		// failure counts here.
		msg := string(out) + string(errOut)
		if strings.Contains(msg, "signature failure") || strings.Contains(msg, "unable to get local issuer") {
			return false
		}
		if strings.Contains(msg, "invalid CA certificate") {
			return true
		}
		t.Logf("openssl verify: %s", msg)
		return false
	}
	return true
}

func TestRealWorldChains(t *testing.T) {
	root2018 := realworldByPrefix(t, "ca_root_minkomsvyaz-rossii_2018")
	root2026 := realworldByPrefix(t, "ca_root_mincifry-rossii_2026")
	tensor := realworldByPrefix(t, "ca_tensor_2019")
	kontur := realworldByPrefix(t, "ca_skb-kontur_2018")
	blastoff := realworldByPrefix(t, "ca_root_esia-test-blastoff")
	demo := realworldByPrefix(t, "ee_esia-test-demo-org-57402")
	golovnoy := realworldByPrefix(t, "ca_root_golovnoy-uc_2012")
	mid := func(c *Certificate) time.Time { return c.NotBefore.Add(c.NotAfter.Sub(c.NotBefore) / 2) }

	chain, err := VerifyChain(tensor, nil, []*Certificate{root2026, root2018}, mid(tensor))
	if err != nil || len(chain) != 2 || chain[1] != root2018 {
		t.Fatalf("Tensor under the 2018 root: %v %v", chain, err)
	}
	chain, err = VerifyChain(demo, []*Certificate{tensor}, []*Certificate{blastoff}, mid(demo))
	if err != nil || len(chain) != 2 || chain[1] != blastoff {
		t.Fatalf("ESIA demo organisation: %v %v", chain, err)
	}
	if chain, err := VerifyChain(root2018, nil, []*Certificate{root2018}, mid(root2018)); err != nil || len(chain) != 1 {
		t.Errorf("root as leaf: %v %v", chain, err)
	}

	tests := []struct {
		name  string
		leaf  *Certificate
		inter []*Certificate
		roots []*Certificate
		at    time.Time
		want  error
	}{
		{"expired", tensor, nil, []*Certificate{root2018}, tensor.NotAfter.Add(time.Second), ErrExpired},
		{"not yet valid", kontur, nil, []*Certificate{root2018}, kontur.NotBefore.Add(-time.Second), ErrNotYetValid},
		{"root not yet valid", tensor, nil, []*Certificate{root2018}, root2018.NotBefore.Add(-time.Hour), ErrNotYetValid},
		{"wrong root", tensor, nil, []*Certificate{root2026, blastoff}, mid(tensor), ErrUnknownAuthority},
		{"no roots", tensor, []*Certificate{root2018}, nil, mid(tensor), ErrUnknownAuthority},
		{"root given as intermediate only", demo, []*Certificate{blastoff}, []*Certificate{root2018}, mid(demo), ErrUnknownAuthority},
		{"GOST 2001 root", golovnoy, nil, []*Certificate{golovnoy}, mid(golovnoy), nil},
		{"leaf is no CA", demo, nil, []*Certificate{demo}, mid(demo), nil},
	}
	for _, tt := range tests {
		_, err := VerifyChain(tt.leaf, tt.inter, tt.roots, tt.at)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}

	// A GOST R 34.10-2001 signature with GOST R 34.11-94: the head CA's
	// self-signature checked as an issuer signature verifies, and fails
	// once a bit of the signed part changes.
	if err := golovnoy.CheckSignatureFrom(golovnoy); err != nil {
		t.Errorf("GOST 2001 self-signature: %v", err)
	}
	bad := *golovnoy
	bad.RawTBSCertificate = append([]byte(nil), golovnoy.RawTBSCertificate...)
	bad.RawTBSCertificate[len(bad.RawTBSCertificate)/2] ^= 1
	if err := bad.CheckSignatureFrom(golovnoy); !errors.Is(err, ErrBadSignature) {
		t.Errorf("GOST 2001 signature over changed data: %v, want ErrBadSignature", err)
	}
}

// TestTC26ExampleRoot uses the TC26 example CA, which has no basic
// constraints, as a trust anchor for the certificate embedded in the TC26
// example signature a111.
func TestTC26ExampleRoot(t *testing.T) {
	root := realworldByPrefix(t, "ca_root_tc26-example-ca")
	dir := t.TempDir()
	certsOut := filepath.Join(dir, "certs.pem")
	osslref.Run(t, nil, "cms", "-verify", "-inform", "PEM", "-noverify", "-out", os.DevNull,
		"-in", filepath.Join(realworldDir(t), "cms_gost2012-512_attached_tc26-example_signed_a111.pem"),
		"-certsout", certsOut)
	leaf := loadOne(t, certsOut)
	if leaf.KeyAlgorithm != KeyGOST2012_512 || leaf.PublicKey == nil {
		t.Fatalf("TC26 originator key: %v %T", leaf.KeyAlgorithm, leaf.PublicKey)
	}
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	chain, err := VerifyChain(leaf, nil, []*Certificate{root}, at)
	if err != nil || len(chain) != 2 {
		t.Fatalf("lenient root: %v %v", chain, err)
	}
	_, err = VerifyOptions{Roots: []*Certificate{root}, At: at, StrictRoots: true}.Verify(leaf)
	if !errors.Is(err, ErrNotCA) {
		t.Errorf("strict root: %v, want ErrNotCA", err)
	}
	// As an intermediate, the same certificate is no CA.
	_, err = VerifyChain(leaf, []*Certificate{root}, []*Certificate{realworldByPrefix(t, "ca_root_mincifry")}, at)
	if !errors.Is(err, ErrNotCA) {
		t.Errorf("as an intermediate: %v, want ErrNotCA", err)
	}
}
