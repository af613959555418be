package cms

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/osslref"
)

// realworldDir is the shared folder of signatures made by real software
// (CryptoPro CSP, CryptoARM, the TC26 examples, the state login service).
func realworldDir(t *testing.T) string {
	return filepath.Join(osslref.Root(t), "..", "shared", "realworld")
}

// TestRealWorldVerdicts checks every signature of the real-world set
// against the verdict its README gives.
func TestRealWorldVerdicts(t *testing.T) {
	const (
		cryptoproRoot = "ca_root_cryptopro-test-uc-2012_gost2012-256.cer"
		tc26Root      = "ca_root_tc26-example-ca_gost2012-256_paramsetA.pem"
	)
	tests := []struct {
		file, content, root string
		// at is the verification time for a signer without signingTime.
		at time.Time
		// wantErr is the error Verify must return (nil: valid).
		wantErr error
		// passed and failed list checks with a required outcome.
		passed, failed []CheckName
	}{
		{file: "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem", content: "content_cryptoarm_test_crlf.txt", root: cryptoproRoot,
			passed: []CheckName{CheckMessageDigest, CheckSignature, CheckSigningCertificate, CheckValidity, CheckChain}},
		{file: "cms_gost2012-512_detached_cryptoarm_sign2012-512_det.txt.sig.pem", content: "content_cryptoarm_test_crlf.txt", root: cryptoproRoot,
			passed: []CheckName{CheckMessageDigest, CheckSignature, CheckValidity, CheckChain}},
		{file: "cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig", content: "content_cryptoarm_signCadesDetached.txt", root: cryptoproRoot,
			passed: []CheckName{CheckMessageDigest, CheckSignature, CheckSigningCertificate, CheckValidity, CheckChain}},
		{file: "cms_gost2012-256_attached_NEGATIVE_bad-signature_cryptoarm_file1.xlsx.sig", root: cryptoproRoot, wantErr: ErrSignature,
			passed: []CheckName{CheckMessageDigest}, failed: []CheckName{CheckSignature}},
		{file: "cms_gost2012-256_attached_NEGATIVE_econtent-tampered_cryptoarm_file2.docx.sig", root: cryptoproRoot, wantErr: ErrMessageDigest,
			passed: []CheckName{CheckSignature}, failed: []CheckName{CheckMessageDigest}},
		{file: "cms_gost2012-512_attached_tc26-example_signed_a111.pem", root: tc26Root,
			passed: []CheckName{CheckMessageDigest, CheckSignature, CheckValidity, CheckChain}},
		{file: "cms_gost2012-256_attached_noattrs_tc26-example_signed_a121.pem", root: tc26Root,
			passed: []CheckName{CheckSignature, CheckValidity, CheckChain}},
		// The signer is GOST 2012, its CA GOST 2001: the chain goes through
		// a GOST R 34.10-2001 signature.
		{file: "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64", root: "ca_root_cryptopro-test-center-2_2014_gost2001.cer",
			passed: []CheckName{CheckMessageDigest, CheckSignature, CheckSigningCertificate, CheckValidity, CheckChain}},
		// No signingTime: validity is checked at the time given.
		{file: "cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url", content: "content_esia-client-secret_vtb_2022_signed-string.txt",
			at:     time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC),
			passed: []CheckName{CheckSignature, CheckValidity}},
		{file: "cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url", content: "content_esia-client-secret_vtb_2022_signed-string.txt",
			at: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), wantErr: ErrExpired,
			passed: []CheckName{CheckSignature}, failed: []CheckName{CheckValidity}},
		// GOST R 34.10-2001 with GOST R 34.11-94.
		{file: "cms_gost2001_detached_cryptopro-csp_pycryptoprosdk_doc.txt.sgn.b64", content: "content_pycryptoprosdk_doc.txt",
			passed: []CheckName{CheckMessageDigest, CheckSignature, CheckSigningCertificate, CheckValidity}},
		{file: "cms_gost2001_detached_cryptoarm_sign2001_det.txt.sig.pem", content: "content_cryptoarm_test_crlf.txt",
			passed: []CheckName{CheckMessageDigest, CheckSignature, CheckValidity}},
	}
	dir := realworldDir(t)
	seen := map[string]bool{}
	for _, tc := range tests {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			sig := readFile(t, filepath.Join(dir, tc.file))
			opts := &VerifyOptions{Time: tc.at}
			if tc.content != "" {
				opts.Content = bytes.NewReader(readFile(t, filepath.Join(dir, tc.content)))
			}
			if tc.root != "" {
				roots, err := cert.ParseAll(readFile(t, filepath.Join(dir, tc.root)))
				if err != nil {
					t.Fatal(err)
				}
				opts.Roots = roots
			}
			res, err := Verify(sig, opts)
			if res == nil {
				t.Fatalf("no result: %v", err)
			}
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Verify = %v, want %v\n%v", err, tc.wantErr, res)
			}
			s := res.Signers[0]
			for _, name := range tc.passed {
				if c, _ := s.Check(name); c.Outcome != Passed {
					t.Errorf("check %s: %+v, want passed", name, c)
				}
			}
			for _, name := range tc.failed {
				if c, _ := s.Check(name); c.Outcome != Failed {
					t.Errorf("check %s: %+v, want failed", name, c)
				}
			}
			if s.Certificate == nil {
				t.Error("no signer certificate")
			}
		})
	}
	// Every signature of the set is in the table.
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

// TestRealWorldFormats reads each file as found (PEM, DER, BER, base64,
// URL-safe base64) and checks what the README says it holds.
func TestRealWorldFormats(t *testing.T) {
	dir := realworldDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "cms_*"))
	for _, f := range files {
		name := filepath.Base(f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sd, err := ParseAny(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got, want := sd.Detached, strings.Contains(name, "_detached_"); got != want {
			t.Errorf("%s: detached = %v", name, got)
		}
		if len(sd.Certificates) == 0 || len(sd.SignerInfos) != 1 {
			t.Errorf("%s: %d certificates, %d signers", name, len(sd.Certificates), len(sd.SignerInfos))
		}
		noattrs := strings.Contains(name, "noattrs") || strings.Contains(name, "esia-client-secret")
		if got := sd.SignerInfos[0].SignedAttributes == nil; got != noattrs {
			t.Errorf("%s: no signed attributes = %v", name, got)
		}
		if strings.Contains(name, "cades-x-long") && len(sd.SignerInfos[0].UnsignedAttributes) == 0 {
			t.Errorf("%s: CAdES-X Long unsigned attributes not read", name)
		}
	}
}

// TestBERSignedAttributesAreReencoded checks that the bytes hashed for the
// signature are the DER SET OF of what was received, also when the
// received encoding used indefinite lengths.
func TestBERSignedAttributesAreReencoded(t *testing.T) {
	sig := readFile(t, filepath.Join(realworldDir(t), "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem"))
	der, err := Decode(sig)
	if err != nil {
		t.Fatal(err)
	}
	// Re-encode the same signature with the signed attributes in
	// indefinite-length form and check that it still verifies.
	sd, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	attrs := sd.SignerInfos[0].SignedAttributesDER()
	if attrs[0] != 0x31 {
		t.Fatalf("signed attributes start with %#x, want 0x31", attrs[0])
	}
	n, err := parseBER(attrs)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	for _, c := range n.children() {
		body = append(body, c.raw...)
	}
	indef := append([]byte{0xa0, 0x80}, body...)
	indef = append(indef, 0, 0)
	i := bytes.Index(der, append([]byte{0xa0}, attrs[1:]...))
	if i < 0 {
		t.Fatal("signed attributes not found in the signature")
	}
	// "31 82 LL LL" and "A0 80 ... 00 00" take the same four bytes, so
	// the enclosing definite lengths stay right.
	mod := append(append(append([]byte(nil), der[:i]...), indef...), der[i+len(attrs):]...)
	if bytes.Equal(mod, der) || len(mod) != len(der) {
		t.Fatal("re-encoding did not change the signature as intended")
	}
	content := readFile(t, filepath.Join(realworldDir(t), "content_cryptoarm_test_crlf.txt"))
	res, err := Verify(mod, &VerifyOptions{Content: bytes.NewReader(content)})
	if err != nil {
		t.Fatalf("%v\n%v", err, res)
	}
}

// TestRealWorldAgreesWithOpenSSL has OpenSSL with the GOST engine check the
// signature and digest of each real-world signature, GOST 2001 included
// (its chain check left out), and requires the same verdict from this
// package.
func TestRealWorldAgreesWithOpenSSL(t *testing.T) {
	dir := realworldDir(t)
	contents := map[string]string{
		"cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem":                 "content_cryptoarm_test_crlf.txt",
		"cms_gost2012-512_detached_cryptoarm_sign2012-512_det.txt.sig.pem":                 "content_cryptoarm_test_crlf.txt",
		"cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig": "content_cryptoarm_signCadesDetached.txt",
		"cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url":                     "content_esia-client-secret_vtb_2022_signed-string.txt",
		"cms_gost2001_detached_cryptopro-csp_pycryptoprosdk_doc.txt.sgn.b64":               "content_pycryptoprosdk_doc.txt",
		"cms_gost2001_detached_cryptoarm_sign2001_det.txt.sig.pem":                         "content_cryptoarm_test_crlf.txt",
	}
	files, _ := filepath.Glob(filepath.Join(dir, "cms_gost*"))
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			der, err := Decode(readFile(t, f))
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			sigFile := filepath.Join(tmp, "sig.der")
			if err := os.WriteFile(sigFile, der, 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"cms", "-verify", "-noverify", "-binary", "-inform", "DER", "-in", sigFile, "-out", "/dev/null"}
			opts := &VerifyOptions{}
			if c, ok := contents[name]; ok {
				args = append(args, "-content", filepath.Join(dir, c))
				opts.Content = bytes.NewReader(readFile(t, filepath.Join(dir, c)))
			}
			_, _, osslErr := osslref.Try(t, nil, args...)
			res, _ := Verify(der, opts)
			if res == nil {
				t.Fatal("no result")
			}
			ours := true
			for _, name := range []CheckName{CheckContentType, CheckMessageDigest, CheckSignature} {
				if c, ok := res.Signers[0].Check(name); ok && c.Outcome == Failed {
					ours = false
				}
			}
			if ours != (osslErr == nil) {
				t.Errorf("this package says valid=%v, OpenSSL says %v\n%v", ours, osslErr, res)
			}
		})
	}
}
