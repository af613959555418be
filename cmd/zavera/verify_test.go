package main

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/login"
)

func realworld(t *testing.T, name string) string {
	return filepath.Join(osslref.Root(t), "..", "shared", "realworld", name)
}

func TestVerifyValidDetached(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "verify", "--no-revocation",
		realworld(t, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem"),
		"--ca", realworld(t, "ca_root_cryptopro-test-uc-2012_gost2012-256.cer"),
		realworld(t, "content_cryptoarm_test_crlf.txt"))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Signature: PASSED, detached", "Signer 1: PASSED", "TrustedCrypro2012-256", "2020-01-10 08:55:17 UTC",
		"GOST R 34.10-2012 256", "Streebog-256", "chain", "passed", "Trust anchor:", "revocation of the certificates was not checked"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestVerifyShowsRussianIdentifiers(t *testing.T) {
	// The bank's CA is not at hand: the path cannot be checked.
	code, out, errOut := runCmd(t, nil, "verify", "--no-revocation", "--at", "2022-03-01T00:00:00Z",
		realworld(t, "cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url"),
		realworld(t, "content_esia-client-secret_vtb_2022_signed-string.txt"))
	if code != 3 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"БАНК ВТБ (ПАО)", "INN (organisation): 7702070139", "OGRN:", "1027739609391", "not stated", "no trust anchors given",
		"INDETERMINATE (NO_CERTIFICATE_CHAIN_FOUND)", "2022-03-01 00:00:00 UTC (the time given with --at)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Checked now, the certificate has expired and there is no signing
	// time to check it at: nothing proves the signature older.
	code, out, _ = runCmd(t, nil, "verify", "--no-revocation",
		realworld(t, "cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url"),
		realworld(t, "content_esia-client-secret_vtb_2022_signed-string.txt"))
	if code != 3 || !strings.Contains(out, "OUT_OF_BOUNDS_NO_POE") || !strings.Contains(out, "(now)") {
		t.Errorf("expired now: exit %d\n%s", code, out)
	}
}

func TestVerifyShowsPersonIdentifiers(t *testing.T) {
	// GOST 2001: the signature verifies, its CA is not at hand.
	code, out, _ := runCmd(t, nil, "verify", "--no-revocation",
		realworld(t, "cms_gost2001_detached_cryptopro-csp_pycryptoprosdk_doc.txt.sgn.b64"),
		realworld(t, "content_pycryptoprosdk_doc.txt"))
	if code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	for _, want := range []string{"Иванов Иван Иванович", "INN:", "123456789047", "SNILS:", "12345678901", "OGRN:", "1123300000053", "GOST R 34.11-94",
		"signature             passed  GOST R 34.10-2001", "withdrawn for new signatures"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestVerifyInvalid(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"cms_gost2012-256_attached_NEGATIVE_bad-signature_cryptoarm_file1.xlsx.sig", "FAILED (SIG_CRYPTO_FAILURE)"},
		{"cms_gost2012-256_attached_NEGATIVE_econtent-tampered_cryptoarm_file2.docx.sig", "FAILED (HASH_FAILURE)"},
	} {
		args := []string{"verify", "--no-revocation", realworld(t, tc.file)}
		code, out, errOut := runCmd(t, nil, args...)
		if code != 1 || !strings.Contains(out, "Signature: FAILED") || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, want 1 and %q\n%s%s", tc.file, code, tc.want, out, errOut)
		}
	}
}

func TestVerifyJSON(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "verify", "--no-revocation", "--json",
		"--ca="+realworld(t, "ca_root_tc26-example-ca_gost2012-256_paramsetA.pem"),
		realworld(t, "cms_gost2012-512_attached_tc26-example_signed_a111.pem"))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var res struct {
		Indication string
		Signatures []struct {
			Indication          string
			SignatureAttributes struct {
				SigningTime struct {
					Time   string
					Signed bool
				}
			}
			ValidationTimeInfo struct {
				ValidationTime       string
				ValidationTimeSource string
			}
			SignatureValidationStatus struct {
				MainIndication string
				Associated     struct {
					TrustAnchor struct{ Subject string }
					Revocation  string `json:"revocationStatusInformation"`
				} `json:"associatedValidationReportData"`
			}
			Holder struct {
				Owner        string
				KeyAlgorithm string `json:"key_algorithm"`
			}
			Checks []struct{ Name, Outcome string }
		} `json:"signatureValidationReport"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if res.Indication != "PASSED" || len(res.Signatures) != 1 {
		t.Fatalf("unexpected result:\n%s", out)
	}
	s := res.Signatures[0]
	if s.Indication != "PASSED" || s.SignatureValidationStatus.MainIndication != "urn:etsi:019102:mainindication:total-passed" ||
		s.SignatureAttributes.SigningTime.Time != "2019-03-20T19:55:22Z" || s.ValidationTimeInfo.ValidationTime != "2019-03-20T19:55:22Z" ||
		s.ValidationTimeInfo.ValidationTimeSource != "signing-time" || s.SignatureValidationStatus.Associated.Revocation != "not-checked" {
		t.Fatalf("unexpected result:\n%s", out)
	}
	if !strings.Contains(s.SignatureValidationStatus.Associated.TrustAnchor.Subject, "CA TK26") ||
		s.Holder.KeyAlgorithm != "GOST R 34.10-2012 512" || !strings.Contains(s.Holder.Owner, "ORIGINATOR") {
		t.Errorf("anchor or holder:\n%s", out)
	}
	passed := map[string]bool{}
	for _, c := range s.Checks {
		passed[c.Name] = c.Outcome == "passed"
	}
	for _, name := range []string{"signature", "message-digest", "chain", "validity"} {
		if !passed[name] {
			t.Errorf("check %s not passed:\n%s", name, out)
		}
	}
}

func TestVerifyUsageErrors(t *testing.T) {
	sig := realworld(t, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem")
	for name, args := range map[string][]string{
		"no arguments":        {"verify"},
		"three operands":      {"verify", sig, sig, sig},
		"unknown option":      {"verify", "--frobnicate", sig},
		"missing ca value":    {"verify", sig, "--ca"},
		"unreadable file":     {"verify", filepath.Join(t.TempDir(), "absent.p7s")},
		"not a signature":     {"verify", realworld(t, "README.md")},
		"bad ca file":         {"verify", "--ca", realworld(t, "README.md"), sig},
		"detached, no data":   {"verify", sig},
		"bad time":            {"verify", "--time", "yesterday", sig},
		"bad --at":            {"verify", "--at", "2022-03-01", sig},
		"missing trust list":  {"verify", "--trust-list", filepath.Join(t.TempDir(), "absent.xml"), sig},
		"bad trust list":      {"verify", "--trust-list", realworld(t, "README.md"), sig},
		"two trust lists":     {"verify", "--trust-list", "a.xml", "--trust-list", "b.xml", sig},
		"bad signer cert":     {"verify", "--signer-cert", realworld(t, "README.md"), sig},
		"content on attached": {"verify", realworld(t, "cms_gost2012-512_attached_tc26-example_signed_a111.pem"), sig},
	} {
		code, out, errOut := runCmd(t, nil, args...)
		if code != 2 || errOut == "" {
			t.Errorf("%s: exit %d, want 2 with a message\n%s%s", name, code, out, errOut)
		}
	}
	if code, out, _ := runCmd(t, nil, "verify", "--help"); code != 0 || !strings.Contains(out, "Usage: zavera verify") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
}

func TestVerifyReadsSignatureFromStdin(t *testing.T) {
	data := strings.NewReader(mustRead(t, realworld(t, "cms_gost2012-256_attached_noattrs_tc26-example_signed_a121.pem")))
	code, out, errOut := runCmd(t, data, "verify", "-")
	if code != 3 || !strings.Contains(out, "ORIGINATOR") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A login signature is named as such, so that nobody takes it for a
// signed document.
func TestVerifyShowsLogin(t *testing.T) {
	dir := t.TempDir()
	keyFile, certFile := agentKey(t, dir)
	kb, _ := os.ReadFile(keyFile)
	b, _ := pem.Decode(kb)
	key, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := os.ReadFile(certFile)
	certs, err := cert.ParseAll(cb)
	if err != nil {
		t.Fatal(err)
	}
	content := login.Content("https://esia.example", bytes.Repeat([]byte{1}, 16))
	contentFile := filepath.Join(dir, "content")
	os.WriteFile(contentFile, content, 0o600)
	signer := cms.Signer{Key: key.(crypto.Signer), Certificate: certs[0]}
	for _, tc := range []struct {
		name      string
		opts      *cms.Options
		loginSig  bool
		wantHuman string
	}{
		{"login", &cms.Options{ContentType: login.ContentType}, true, "Signature: PASSED, detached, a login (signChallenge), not a document"},
		{"document", nil, false, "Signature: PASSED, detached, 1 signer(s)"},
	} {
		sig, err := cms.Sign(bytes.NewReader(content), signer, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		sigFile := filepath.Join(dir, tc.name+".p7s")
		os.WriteFile(sigFile, sig, 0o600)
		code, out, errOut := runCmd(t, nil, "verify", "--no-revocation", "--ca", certFile, sigFile, contentFile)
		if code != 0 || !strings.Contains(out, tc.wantHuman) {
			t.Errorf("%s: exit %d, output lacks %q:\n%s%s", tc.name, code, tc.wantHuman, out, errOut)
		}
		code, out, _ = runCmd(t, nil, "verify", "--no-revocation", "--json", "--ca", certFile, sigFile, contentFile)
		var v struct {
			Indication  string
			Login       bool
			ContentType string `json:"contentType"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 || v.Indication != "PASSED" || v.Login != tc.loginSig {
			t.Errorf("%s: --json: exit %d, %+v, %v\n%s", tc.name, code, v, err, out)
		}
		if tc.loginSig && v.ContentType != login.ContentType.String() || !tc.loginSig && v.ContentType != "1.2.840.113549.1.7.1" {
			t.Errorf("%s: content type %q", tc.name, v.ContentType)
		}
	}
}
