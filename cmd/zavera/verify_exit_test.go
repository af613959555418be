package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/internal/osslref"
)

// runZavera runs the built zavera binary and returns its exit status.
func runZavera(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(agentBinary(t, ""), args...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	t.Fatalf("zavera %v: %v", args, err)
	return 0, ""
}

// TestVerifyExitStatus runs the real binary on the real-world signatures
// in the three states (no anchor, --ca, --trust-list with the list
// constructed for the tests of package validate) and checks the exit
// status: 0 passed, 1 failed, 3 indeterminate.
func TestVerifyExitStatus(t *testing.T) {
	trustList := filepath.Join(osslref.Root(t), "validate", "testdata", "trustlist.xml")
	const cryptoproRoot = "ca_root_cryptopro-test-uc-2012_gost2012-256.cer"
	for _, tc := range []struct {
		sig, content, ca string
		none, ca_, tl    int
		word             string
	}{
		{"cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem", "content_cryptoarm_test_crlf.txt", cryptoproRoot, 3, 0, 0, ""},
		{"cms_gost2012-256_attached_NEGATIVE_bad-signature_cryptoarm_file1.xlsx.sig", "", cryptoproRoot, 1, 1, 1, "SIG_CRYPTO_FAILURE"},
		{"cms_gost2012-256_attached_NEGATIVE_econtent-tampered_cryptoarm_file2.docx.sig", "", cryptoproRoot, 1, 1, 1, "HASH_FAILURE"},
		{"cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64", "", "ca_root_cryptopro-test-center-2_2014_gost2001.cer", 3, 0, 0, ""},
		{"cms_gost2001_detached_cryptoarm_sign2001_det.txt.sig.pem", "content_cryptoarm_test_crlf.txt", "ca_root_cryptopro-test-center-2_2014_gost2001.cer", 3, 3, 3, "NO_CERTIFICATE_CHAIN_FOUND"},
	} {
		base := []string{"verify", "--no-revocation", realworld(t, tc.sig)}
		if tc.content != "" {
			base = append(base, realworld(t, tc.content))
		}
		for _, st := range []struct {
			name  string
			extra []string
			want  int
		}{
			{"no anchor", nil, tc.none},
			{"--ca", []string{"--ca", realworld(t, tc.ca)}, tc.ca_},
			{"--trust-list", []string{"--trust-list", trustList}, tc.tl},
		} {
			code, out := runZavera(t, append(append([]string(nil), base...), st.extra...)...)
			if code != st.want || !strings.Contains(out, tc.word) {
				t.Errorf("%s, %s: exit %d, want %d and %q\n%s", tc.sig, st.name, code, st.want, tc.word, out)
			}
		}
	}
	if code, out := runZavera(t, "verify", "--trust-list", realworld(t, "README.md"), realworld(t, "cms_gost2012-512_attached_tc26-example_signed_a111.pem")); code != 2 {
		t.Errorf("unreadable trust list: exit %d\n%s", code, out)
	}
	// A SignedData without signers (a certificate bag as OpenSSL makes
	// them) is no signature to give a verdict on.
	bag := filepath.Join(t.TempDir(), "bag.p7b")
	osslref.Run(t, nil, "crl2pkcs7", "-nocrl", "-certfile", realworld(t, "ca_root_tc26-example-ca_gost2012-256_paramsetA.pem"), "-outform", "DER", "-out", bag)
	if code, out := runZavera(t, "verify", bag); code != 2 {
		t.Errorf("no signers: exit %d\n%s", code, out)
	}
}

// TestVerifySignerCert checks a signature that OpenSSL made without the
// signer's certificate: INDETERMINATE (NO_SIGNING_CERTIFICATE_FOUND)
// until --signer-cert gives it.
func TestVerifySignerCert(t *testing.T) {
	osslref.Require(t)
	dir := t.TempDir()
	caFile, keyFile, certFile := caAndLeaf(t, dir)
	content := filepath.Join(dir, "doc.txt")
	if err := os.WriteFile(content, []byte("счёт-фактура"), 0o600); err != nil {
		t.Fatal(err)
	}
	sig := filepath.Join(dir, "doc.p7s")
	osslref.Run(t, nil, "cms", "-sign", "-binary", "-nocerts", "-outform", "DER", "-in", content,
		"-signer", certFile, "-inkey", keyFile, "-md", "sha256", "-out", sig)
	code, out := runZavera(t, "verify", "--no-revocation", "--ca", caFile, sig, content)
	if code != 3 || !strings.Contains(out, "NO_SIGNING_CERTIFICATE_FOUND") {
		t.Errorf("without the certificate: exit %d\n%s", code, out)
	}
	code, out = runZavera(t, "verify", "--no-revocation", "--ca", caFile, "--signer-cert", certFile, sig, content)
	if code != 0 || !strings.Contains(out, "Signer 1: PASSED") {
		t.Errorf("with --signer-cert: exit %d\n%s", code, out)
	}
}

// caAndLeaf writes a CA certificate and a signer's key and certificate
// issued by it, all ECDSA P-256, valid for an hour around now.
func caAndLeaf(t *testing.T, dir string) (caFile, keyFile, certFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Verify Test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Verify Test Signer"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	p8, _ := x509.MarshalPKCS8PrivateKey(key)
	caFile, keyFile, certFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	for f, b := range map[string]*pem.Block{caFile: {Type: "CERTIFICATE", Bytes: caDER}, keyFile: {Type: "PRIVATE KEY", Bytes: p8},
		certFile: {Type: "CERTIFICATE", Bytes: der}} {
		if err := os.WriteFile(f, pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return caFile, keyFile, certFile
}
