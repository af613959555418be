package cms

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/osslref"
)

var allSpecs = []keySpec{specGOST256, specGOST256B, specGOST512, specP256, specP384, specRSA}

// TestSignVerifiedByOpenSSL signs with every key type, detached and
// attached, with and without the chain, and has OpenSSL with the GOST
// engine verify the result as a CAdES signature; this package must agree.
func TestSignVerifiedByOpenSSL(t *testing.T) {
	for _, spec := range allSpecs {
		t.Run(spec.name, func(t *testing.T) {
			t.Parallel()
			p := newPKI(t, spec)
			leaf := p.leaf(t, "leaf", spec)
			content := make([]byte, 3000)
			rand.Read(content)
			for _, attached := range []bool{false, true} {
				for _, chain := range []bool{false, true} {
					name := fmt.Sprintf("attached=%v/chain=%v", attached, chain)
					sig, err := Sign(bytes.NewReader(content), p.signer(leaf), &Options{Attached: attached, IncludeChain: chain})
					if err != nil {
						t.Fatalf("%s: Sign: %v", name, err)
					}
					// Without the chain in the signature, OpenSSL gets the
					// intermediate beside the root (it has no untrusted-file
					// option for cms).
					pv := *p
					if !chain {
						pv.rootCertFile = write(t, p.dir, "bundle.pem", string(readFile(t, p.rootCertFile))+string(readFile(t, p.inter.certFile)))
					}
					detached := content
					if attached {
						detached = nil
					}
					if err := opensslVerify(t, &pv, sig, detached); err != nil {
						t.Errorf("%s: %v", name, err)
					}
					opts := &VerifyOptions{Roots: []*cert.Certificate{p.root.cert}}
					if !chain {
						opts.Intermediates = []*cert.Certificate{p.inter.cert}
					}
					if !attached {
						opts.Content = bytes.NewReader(content)
					}
					res, err := Verify(sig, opts)
					if err != nil {
						t.Errorf("%s: Verify: %v\n%v", name, err, res)
						continue
					}
					assertAllPassed(t, name, res, CheckCertificate, CheckContentType, CheckMessageDigest, CheckSignature,
						CheckSigningCertificate, CheckValidity, CheckKeyUsage, CheckChain)
				}
			}
		})
	}
}

func assertAllPassed(t *testing.T, name string, res *Result, checks ...CheckName) {
	t.Helper()
	for _, s := range res.Signers {
		for _, want := range checks {
			c, ok := s.Check(want)
			if !ok || c.Outcome != Passed {
				t.Errorf("%s: signer %d: check %s = %+v, want passed", name, s.Index+1, want, c)
			}
		}
	}
}

// TestOpenSSLSignatureVerifies has OpenSSL make CAdES signatures (detached
// and attached, with the chain) and verifies them here.
func TestOpenSSLSignatureVerifies(t *testing.T) {
	for _, spec := range allSpecs {
		t.Run(spec.name, func(t *testing.T) {
			t.Parallel()
			p := newPKI(t, spec)
			leaf := p.leaf(t, "leaf", spec)
			content := []byte("Заявление о регистрации организации\r\n")
			contentFile := write(t, p.dir, "doc.txt", string(content))
			md := map[string]string{"-md_gost12_256": "md_gost12_256", "-md_gost12_512": "md_gost12_512", "-sha256": "sha256", "-sha384": "sha384"}[spec.md]
			for _, attached := range []bool{false, true} {
				args := []string{"cms", "-sign", "-binary", "-in", contentFile, "-signer", leaf.certFile, "-inkey", leaf.keyFile,
					"-certfile", p.inter.certFile, "-md", md, "-cades", "-nosmimecap", "-outform", "DER"}
				if attached {
					args = append(args, "-nodetach")
				}
				sig := osslref.Run(t, nil, args...)
				opts := &VerifyOptions{Roots: []*cert.Certificate{p.root.cert}}
				if !attached {
					opts.Content = bytes.NewReader(content)
				}
				res, err := Verify(sig, opts)
				if err != nil {
					t.Fatalf("attached=%v: %v\n%v", attached, err, res)
				}
				assertAllPassed(t, fmt.Sprintf("attached=%v", attached), res, CheckCertificate, CheckMessageDigest,
					CheckSignature, CheckSigningCertificate, CheckValidity, CheckKeyUsage, CheckChain)
				if !attached {
					// The wrong content is refused.
					_, err := Verify(sig, &VerifyOptions{Content: bytes.NewReader(content[1:])})
					if !errors.Is(err, ErrMessageDigest) {
						t.Errorf("wrong content: got %v, want ErrMessageDigest", err)
					}
				}
			}
		})
	}
}

// TestOpenSSLKeyIDSigner verifies a signature whose signer is named by
// subjectKeyIdentifier (SignerInfo version 3) rather than issuer and serial.
func TestOpenSSLKeyIDSigner(t *testing.T) {
	p := newPKI(t, specGOST256)
	leaf := p.leaf(t, "leaf", specGOST256)
	content := write(t, p.dir, "doc.txt", "document")
	sig := osslref.Run(t, nil, "cms", "-sign", "-binary", "-keyid", "-in", content, "-signer", leaf.certFile, "-inkey", leaf.keyFile,
		"-md", "md_gost12_256", "-cades", "-nosmimecap", "-outform", "DER", "-nodetach")
	sd, err := Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	if si := sd.SignerInfos[0]; si.Version != 3 || si.SubjectKeyID == nil || si.SerialNumber != nil {
		t.Fatalf("signer version %d, key id %x", si.Version, si.SubjectKeyID)
	}
	res, err := Verify(sig, &VerifyOptions{Roots: []*cert.Certificate{p.root.cert}, Intermediates: []*cert.Certificate{p.inter.cert}})
	if err != nil {
		t.Fatalf("%v\n%v", err, res)
	}
	assertAllPassed(t, "keyid", res, CheckCertificate, CheckSignature, CheckSigningCertificate, CheckChain)
}

// TestCoSign has a leader sign and an accountant co-sign the same
// document; OpenSSL must accept both signers and the leader's SignerInfo
// must be copied byte for byte.
func TestCoSign(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second keySpec
		attached      bool
	}{
		{"gost256+gost512 detached", specGOST256, specGOST512, false},
		{"gost512+gost256 attached", specGOST512, specGOST256, true},
		{"gost256+ecdsa detached", specGOST256, specP256, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p1 := newPKI(t, tc.first)
			leader := p1.leaf(t, "leader", tc.first)
			p2 := newPKI(t, tc.second)
			accountant := p2.leaf(t, "accountant", tc.second)
			content := []byte("Налоговая декларация за 2026 год")
			first, err := Sign(bytes.NewReader(content), p1.signer(leader), &Options{Attached: tc.attached, IncludeChain: true})
			if err != nil {
				t.Fatal(err)
			}
			var r *bytes.Reader
			if !tc.attached {
				r = bytes.NewReader(content)
			}
			var both []byte
			if r != nil {
				both, err = AddSigner(first, r, p2.signer(accountant), &Options{IncludeChain: true})
			} else {
				both, err = AddSigner(first, nil, p2.signer(accountant), &Options{IncludeChain: true})
			}
			if err != nil {
				t.Fatal(err)
			}
			sd1, _ := Parse(first)
			if !bytes.Contains(both, sd1.SignerInfos[0].Raw) {
				t.Error("the first SignerInfo was not kept byte for byte")
			}
			// OpenSSL with both roots as trust anchors.
			roots := write(t, p1.dir, "roots.pem", string(readFile(t, p1.rootCertFile))+string(readFile(t, p2.rootCertFile)))
			p := *p1
			p.rootCertFile = roots
			var detached []byte
			if !tc.attached {
				detached = content
			}
			if err := opensslVerify(t, &p, both, detached); err != nil {
				t.Error(err)
			}
			opts := &VerifyOptions{Roots: []*cert.Certificate{p1.root.cert, p2.root.cert}}
			if !tc.attached {
				opts.Content = bytes.NewReader(content)
			}
			res, err := Verify(both, opts)
			if err != nil {
				t.Fatalf("%v\n%v", err, res)
			}
			if len(res.Signers) != 2 || res.Signers[0].Certificate.Subject.CommonName != leader.cert.Subject.CommonName {
				t.Fatalf("signers: %v", res)
			}
			assertAllPassed(t, tc.name, res, CheckMessageDigest, CheckSignature, CheckSigningCertificate, CheckChain)
		})
	}
}

// TestCoSignBER co-signs BER signatures made by CryptoARM (GOST 2012) and
// CryptoPro CSP (GOST 2001, indefinite lengths throughout): the original
// SignerInfo and the rest must be kept as received, OpenSSL must accept
// both signatures, and this package must verify both.
func TestCoSignBER(t *testing.T) {
	dir := realworldDir(t)
	for _, tc := range []struct {
		sig, content string
		digests      int
	}{
		{"cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem", "content_cryptoarm_test_crlf.txt", 1},
		{"cms_gost2001_detached_cryptopro-csp_pycryptoprosdk_doc.txt.sgn.b64", "content_pycryptoprosdk_doc.txt", 2},
	} {
		t.Run(tc.sig, func(t *testing.T) {
			orig := readFile(t, filepath.Join(dir, tc.sig))
			content := readFile(t, filepath.Join(dir, tc.content))
			sd, err := ParseAny(orig)
			if err != nil {
				t.Fatal(err)
			}
			if sd.Raw[1] != 0x80 {
				t.Fatalf("test data is expected to be BER with indefinite lengths")
			}
			p := newPKI(t, specGOST256)
			acc := p.leaf(t, "accountant", specGOST256)
			both, err := AddSigner(orig, bytes.NewReader(content), p.signer(acc), &Options{IncludeChain: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Count(both, sd.SignerInfos[0].Raw); got != 1 {
				t.Errorf("the original SignerInfo found %d times, want once byte for byte", got)
			}
			if sd2, err := Parse(both); err != nil || len(sd2.Certificates) != 3 || len(sd2.DigestAlgorithms) != tc.digests {
				t.Errorf("co-signed signature: %v, %d certificates, %d digests", err, len(sd2.Certificates), len(sd2.DigestAlgorithms))
			}
			res, err := Verify(both, &VerifyOptions{Content: bytes.NewReader(content), Time: time.Now()})
			if res == nil || len(res.Signers) != 2 {
				t.Fatalf("want 2 signers, got %v (%v)", res, err)
			}
			assertAllPassed(t, "first signer", &Result{Signers: res.Signers[:1]}, CheckMessageDigest, CheckSignature)
			assertAllPassed(t, "new signer", &Result{Signers: res.Signers[1:]}, CheckMessageDigest, CheckSignature, CheckSigningCertificate)
			// OpenSSL checks both signatures (its chain check is left out:
			// the first signer's CA is not ours).
			if err := opensslVerify(t, p, both, content, "-noverify"); err != nil {
				t.Error(err)
			}
		})
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
