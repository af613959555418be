package validate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
)

// realworldDir is the shared folder of signatures made by real software;
// its README gives the expected verdict of each.
func realworldDir(t *testing.T) string {
	return filepath.Join(osslref.Root(t), "..", "shared", "realworld")
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadCerts(t *testing.T, names ...string) []*cert.Certificate {
	t.Helper()
	var out []*cert.Certificate
	for _, n := range names {
		cs, err := cert.ParseAll(readFile(t, filepath.Join(realworldDir(t), n)))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out = append(out, cs...)
	}
	return out
}

// loadTrustList reads testdata/trustlist.xml, a list constructed in the
// published format from the CA certificates of the real-world set (see
// the comment at its top: names and periods are made up).
func loadTrustList(t *testing.T) *TrustList {
	t.Helper()
	tl, err := ParseTrustList(readFile(t, filepath.Join("testdata", "trustlist.xml")))
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

// verdict is an expected indication and sub-indication.
type verdict struct {
	ind Indication
	sub SubIndication
}

var (
	passed  = verdict{Passed, ""}
	noChain = verdict{Indeterminate, NoCertificateChainFound}
)

// TestRealWorldVerdicts gives every signature of the real-world set its
// verdict in three states: no anchor at all, the right CA as an anchor,
// and the constructed trusted list. The signature value and the content's
// hash must check in every state where README.md says they are valid,
// whatever the chain's verdict.
func TestRealWorldVerdicts(t *testing.T) {
	const (
		cryptoproRoot = "ca_root_cryptopro-test-uc-2012_gost2012-256.cer"
		tc26Root      = "ca_root_tc26-example-ca_gost2012-256_paramsetA.pem"
		testCenter2   = "ca_root_cryptopro-test-center-2_2014_gost2001.cer"
	)
	tests := []struct {
		file, content string
		// ca is the anchor of the second state: README.md's, or for the
		// signatures it gives none, the CA of the same name in the set.
		ca string
		at time.Time
		// sigValid says that the signature value and the hash check.
		sigValid                bool
		none, withCA, withTL    verdict
		accreditedCA, withdrawn string
	}{
		{file: "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem", content: "content_cryptoarm_test_crlf.txt", ca: cryptoproRoot,
			sigValid: true, none: noChain, withCA: passed, withTL: passed, accreditedCA: "Тестовый удостоверяющий центр ООО \"КРИПТО-ПРО\""},
		{file: "cms_gost2012-512_detached_cryptoarm_sign2012-512_det.txt.sig.pem", content: "content_cryptoarm_test_crlf.txt", ca: cryptoproRoot,
			sigValid: true, none: noChain, withCA: passed, withTL: passed},
		{file: "cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig", content: "content_cryptoarm_signCadesDetached.txt", ca: cryptoproRoot,
			sigValid: true, none: noChain, withCA: passed, withTL: passed},
		// A proof of failure is FAILED whatever the anchors.
		{file: "cms_gost2012-256_attached_NEGATIVE_bad-signature_cryptoarm_file1.xlsx.sig", ca: cryptoproRoot,
			none: verdict{Failed, SigCryptoFailure}, withCA: verdict{Failed, SigCryptoFailure}, withTL: verdict{Failed, SigCryptoFailure}},
		{file: "cms_gost2012-256_attached_NEGATIVE_econtent-tampered_cryptoarm_file2.docx.sig", ca: cryptoproRoot,
			none: verdict{Failed, HashFailure}, withCA: verdict{Failed, HashFailure}, withTL: verdict{Failed, HashFailure}},
		// The TC26 example CA has no basic constraints; as an anchor the
		// caller chose it counts as a CA.
		{file: "cms_gost2012-512_attached_tc26-example_signed_a111.pem", ca: tc26Root,
			sigValid: true, none: noChain, withCA: passed, withTL: passed},
		{file: "cms_gost2012-256_attached_noattrs_tc26-example_signed_a121.pem", ca: tc26Root,
			sigValid: true, none: noChain, withCA: passed, withTL: passed},
		// A GOST 2012 signer under a GOST 2001 CA.
		{file: "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64", ca: testCenter2,
			sigValid: true, none: noChain, withCA: passed, withTL: passed, withdrawn: "chain"},
		// No signingTime, CA not in the set: checked now, the certificate
		// has expired and nothing proves the signature older.
		{file: "cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url", content: "content_esia-client-secret_vtb_2022_signed-string.txt", ca: cryptoproRoot,
			sigValid: true, none: verdict{Indeterminate, OutOfBoundsNoPOE}, withCA: verdict{Indeterminate, OutOfBoundsNoPOE}, withTL: verdict{Indeterminate, OutOfBoundsNoPOE}},
		// The same at a time inside its validity: only the path is missing.
		{file: "cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url", content: "content_esia-client-secret_vtb_2022_signed-string.txt", ca: cryptoproRoot,
			at: time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC), sigValid: true, none: noChain, withCA: noChain, withTL: noChain},
		// GOST R 34.10-2001: the signatures verify; their certificates were
		// issued by a later key of CRYPTO-PRO Test Center 2 than the 2014
		// root of the set, so no path is found.
		{file: "cms_gost2001_detached_cryptopro-csp_pycryptoprosdk_doc.txt.sgn.b64", content: "content_pycryptoprosdk_doc.txt", ca: testCenter2,
			sigValid: true, none: noChain, withCA: noChain, withTL: noChain, withdrawn: "signer"},
		{file: "cms_gost2001_detached_cryptoarm_sign2001_det.txt.sig.pem", content: "content_cryptoarm_test_crlf.txt", ca: testCenter2,
			sigValid: true, none: noChain, withCA: noChain, withTL: noChain, withdrawn: "signer"},
	}
	dir := realworldDir(t)
	tl := loadTrustList(t)
	seen := map[string]bool{}
	// The second pass shares one SignatureCache across every validation,
	// as a service would: the verdicts stay the same.
	shared := cert.NewSignatureCache(64)
	for _, cache := range []*cert.SignatureCache{nil, shared} {
		for _, tc := range tests {
			seen[tc.file] = true
			for _, state := range []struct {
				name string
				want verdict
				opts func(*Options)
			}{
				{"no anchor", tc.none, func(*Options) {}},
				{"--ca " + tc.ca, tc.withCA, func(o *Options) { o.Anchors = loadCerts(t, tc.ca) }},
				{"trust list", tc.withTL, func(o *Options) { o.TrustList = tl }},
			} {
				name := tc.file + "/" + state.name
				if cache != nil {
					name += "/signature cache"
				}
				t.Run(name, func(t *testing.T) {
					opts := &Options{At: tc.at, SignatureCache: cache}
					if tc.content != "" {
						opts.Content = bytes.NewReader(readFile(t, filepath.Join(dir, tc.content)))
					}
					state.opts(opts)
					rep, err := Validate(readFile(t, filepath.Join(dir, tc.file)), opts)
					if err != nil {
						t.Fatal(err)
					}
					if len(rep.Signatures) != 1 {
						t.Fatalf("%d signatures", len(rep.Signatures))
					}
					s := rep.Signatures[0]
					if got := (verdict{s.Indication, s.SubIndication}); got != state.want {
						t.Fatalf("verdict %v, want %v (%s)\n%v", got, state.want, s.Detail, rep.Result)
					}
					if rep.Indication() != state.want.ind {
						t.Errorf("report's indication %s, want %s", rep.Indication(), state.want.ind)
					}
					if tc.sigValid {
						for _, name := range []cms.CheckName{cms.CheckSignature} {
							if c, _ := s.Signer.Check(name); c.Outcome != cms.Passed {
								t.Errorf("check %s: %+v, want passed", name, c)
							}
						}
					}
					if state.want == passed && len(s.Chain) < 2 {
						t.Errorf("passed with a path of %d certificates", len(s.Chain))
					}
					if state.name == "trust list" && state.want == passed {
						if s.TrustList == nil || !s.TrustList.Accredited {
							t.Errorf("no accredited CA named: %+v", s.TrustList)
						} else if tc.accreditedCA != "" && s.TrustList.CA.Name != tc.accreditedCA {
							t.Errorf("accredited CA %q, want %q", s.TrustList.CA.Name, tc.accreditedCA)
						}
					}
					hasNote := false
					for _, n := range s.Notes {
						hasNote = hasNote || n == withdrawnNote
					}
					wantNote := tc.withdrawn == "signer" || tc.withdrawn == "chain" && len(s.Chain) > 1
					if hasNote != wantNote {
						t.Errorf("withdrawn-algorithm note %v, want %v: %q", hasNote, wantNote, s.Notes)
					}
				})
			}
		}
	}
	if shared.Hits() == 0 {
		t.Error("the shared signature cache was never used")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "cms_*"))
	if len(files) == 0 {
		t.Fatal("no real-world signatures found")
	}
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no expected verdict", filepath.Base(f))
		}
	}
}

// TestGOST2001Tampered: a GOST R 34.10-2001 signature over other content,
// or with its value changed, is FAILED like a GOST 2012 one.
func TestGOST2001Tampered(t *testing.T) {
	dir := realworldDir(t)
	der, err := cms.Decode(readFile(t, filepath.Join(dir, "cms_gost2001_detached_cryptoarm_sign2001_det.txt.sig.pem")))
	if err != nil {
		t.Fatal(err)
	}
	content := readFile(t, filepath.Join(dir, "content_cryptoarm_test_crlf.txt"))
	sd, err := cms.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	sigVal := sd.SignerInfos[0].Signature
	i := bytes.Index(der, sigVal)
	if i < 0 {
		t.Fatal("signature value not found")
	}
	broken := bytes.Clone(der)
	broken[i+len(sigVal)/2] ^= 0x01
	other := append(bytes.Clone(content), '!')
	for _, tc := range []struct {
		name         string
		sig, content []byte
		want         verdict
	}{
		{"as signed", der, content, noChain},
		{"other content", der, other, verdict{Failed, HashFailure}},
		{"signature value changed", broken, content, verdict{Failed, SigCryptoFailure}},
	} {
		rep, err := Validate(tc.sig, &Options{Content: bytes.NewReader(tc.content)})
		if err != nil {
			t.Fatal(err)
		}
		s := rep.Signatures[0]
		if got := (verdict{s.Indication, s.SubIndication}); got != tc.want {
			t.Errorf("%s: %v, want %v (%s)", tc.name, got, tc.want, s.Detail)
		}
	}
}
