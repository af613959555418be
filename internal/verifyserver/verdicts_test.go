package verifyserver

import (
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/gost/streebog"
)

// realWorldCases are the signatures of the shared real-world set with the
// verdict package validate's tests give them when their CA is an anchor or
// the constructed trusted list is loaded.
var realWorldCases = []struct {
	file, content, at string
	ind, sub          string
}{
	{"cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem", "content_cryptoarm_test_crlf.txt", "", "PASSED", ""},
	{"cms_gost2012-512_detached_cryptoarm_sign2012-512_det.txt.sig.pem", "content_cryptoarm_test_crlf.txt", "", "PASSED", ""},
	{"cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig", "content_cryptoarm_signCadesDetached.txt", "", "PASSED", ""},
	{"cms_gost2012-256_attached_NEGATIVE_bad-signature_cryptoarm_file1.xlsx.sig", "", "", "FAILED", "SIG_CRYPTO_FAILURE"},
	{"cms_gost2012-256_attached_NEGATIVE_econtent-tampered_cryptoarm_file2.docx.sig", "", "", "FAILED", "HASH_FAILURE"},
	{"cms_gost2012-512_attached_tc26-example_signed_a111.pem", "", "", "PASSED", ""},
	{"cms_gost2012-256_attached_noattrs_tc26-example_signed_a121.pem", "", "", "PASSED", ""},
	{"cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64", "", "", "PASSED", ""},
	{"cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url", "content_esia-client-secret_vtb_2022_signed-string.txt", "", "INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"},
	{"cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url", "content_esia-client-secret_vtb_2022_signed-string.txt", "2022-03-01T00:00:00Z", "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"},
	{"cms_gost2001_detached_cryptopro-csp_pycryptoprosdk_doc.txt.sgn.b64", "content_pycryptoprosdk_doc.txt", "", "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"},
	{"cms_gost2001_detached_cryptoarm_sign2001_det.txt.sig.pem", "content_cryptoarm_test_crlf.txt", "", "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"},
}

// TestRealWorldVerdicts posts every real-world signature over HTTP, the
// attached ones as the raw body and the detached ones as a form with
// their document, to a server trusting the CAs by --ca and to one
// trusting the constructed trusted list.
func TestRealWorldVerdicts(t *testing.T) {
	configs := map[string]Config{
		"anchors": {Anchors: []string{realworld(t, cryptoproRoot), realworld(t, "ca_root_tc26-example-ca_gost2012-256_paramsetA.pem"),
			realworld(t, "ca_root_cryptopro-test-center-2_2014_gost2001.cer")}},
		"trusted list": {TrustList: filepath.Join("..", "..", "validate", "testdata", "trustlist.xml")},
	}
	seen := map[string]bool{}
	for name, cfg := range configs {
		_, url, _ := newLoaded(t, cfg)
		for _, tc := range realWorldCases {
			seen[tc.file] = true
			t.Run(name+"/"+tc.file+"/"+tc.at, func(t *testing.T) {
				sig := readFile(t, realworld(t, tc.file))
				var r reply
				switch {
				case tc.content != "" && tc.at != "":
					r = postForm(t, url, "signature", sig, "content", readFile(t, realworld(t, tc.content)), "at", tc.at)
				case tc.content != "":
					r = postForm(t, url, "signature", sig, "content", readFile(t, realworld(t, tc.content)))
				default:
					r = postRaw(t, url, sig, "")
				}
				if r.status != 200 {
					t.Fatalf("status %d: %s", r.status, r.body)
				}
				ind, sub := r.signatureVerdict(t)
				if ind != tc.ind || sub != tc.sub {
					t.Fatalf("verdict %s %s, want %s %s", ind, sub, tc.ind, tc.sub)
				}
				if r.json["indication"] != tc.ind || r.header.Get("Zavera-Indication") != tc.ind {
					t.Errorf("report indication %v, header %q, want %s", r.json["indication"], r.header.Get("Zavera-Indication"), tc.ind)
				}
			})
		}
	}
	files, _ := filepath.Glob(realworld(t, "cms_*"))
	if len(files) == 0 {
		t.Fatal("no real-world signatures")
	}
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s is not posted", filepath.Base(f))
		}
	}
}

// TestDetachedByHash checks a detached signature against the document's
// hash given in hex or base64 with its algorithm, in the query or in the
// form, and refuses a hash in another algorithm than the signer's.
func TestDetachedByHash(t *testing.T) {
	_, url, _ := newLoaded(t, Config{Anchors: []string{realworld(t, cryptoproRoot)}})
	content := readFile(t, realworld(t, "content_cryptoarm_test_crlf.txt"))
	sig256 := readFile(t, realworld(t, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem"))
	sig512 := readFile(t, realworld(t, "cms_gost2012-512_detached_cryptoarm_sign2012-512_det.txt.sig.pem"))
	h256 := streebog.Sum256(content)
	h512 := streebog.Sum512(content)
	other := streebog.Sum256(append(content, '!'))

	r := postRaw(t, url, sig256, "?hashAlgorithm=streebog256&hash="+hex.EncodeToString(h256[:]))
	if ind, _ := r.signatureVerdict(t); r.status != 200 || ind != "PASSED" {
		t.Fatalf("by hash in the query: %d %s", r.status, r.body)
	}
	sigs := r.json["signatureValidationReport"].([]any)
	if sigs[0].(map[string]any)["signatureIdentifier"].(map[string]any)["docHashOnly"] != true {
		t.Error("docHashOnly not set")
	}
	r = postForm(t, url, "signature", sig512, "hash", hex.EncodeToString(h512[:]), "hashAlgorithm", "1.2.643.7.1.1.2.3")
	if ind, _ := r.signatureVerdict(t); r.status != 200 || ind != "PASSED" {
		t.Fatalf("512 by hash in the form: %d %s", r.status, r.body)
	}
	r = postRaw(t, url, sig256, "?hashAlgorithm=streebog256&hash="+hex.EncodeToString(other[:]))
	if ind, sub := r.signatureVerdict(t); ind != "FAILED" || sub != "HASH_FAILURE" {
		t.Fatalf("other hash: %s %s", ind, sub)
	}
	r = postForm(t, url, "signature", sig512, "hash", hex.EncodeToString(h256[:]), "hashAlgorithm", "streebog256")
	if r.status != 422 || r.code() != codeHashAlgorithm {
		t.Fatalf("hash in another algorithm: %d %s", r.status, r.body)
	}
}

// TestBadRequests: each unusable request gets its stable error code.
func TestBadRequests(t *testing.T) {
	_, url, _ := newLoaded(t, Config{Anchors: []string{realworld(t, cryptoproRoot)}})
	detached := readFile(t, realworld(t, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem"))
	attached := readFile(t, realworld(t, "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"))
	for _, tc := range []struct {
		name   string
		r      func() reply
		status int
		code   string
	}{
		{"GET", func() reply { return get(t, url+"/v1/verify") }, 405, codeMethod},
		{"unknown path", func() reply { return get(t, url+"/v2/verify") }, 404, codeNotFound},
		{"empty body", func() reply { return postRaw(t, url, nil, "") }, 400, codeBadRequest},
		{"not a signature", func() reply { return postRaw(t, url, []byte("hello, world"), "") }, 422, codeMalformed},
		{"detached without content", func() reply { return postRaw(t, url, detached, "") }, 422, codeContentRequired},
		{"content for an attached one", func() reply { return postForm(t, url, "signature", attached, "content", []byte("x")) }, 422, codeContentRejected},
		{"hash without algorithm", func() reply { return postRaw(t, url, detached, "?hash=00") }, 400, codeBadRequest},
		{"short hash", func() reply { return postRaw(t, url, detached, "?hash=0011&hashAlgorithm=streebog256") }, 400, codeBadRequest},
		{"bad time", func() reply { return postRaw(t, url, attached, "?at=yesterday") }, 400, codeBadRequest},
		{"unknown part", func() reply { return postForm(t, url, "signature", attached, "pin", "1234") }, 400, codeBadRequest},
	} {
		r := tc.r()
		if r.status != tc.status || r.code() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
		}
	}
}
