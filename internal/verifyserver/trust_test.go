package verifyserver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReadiness starts the server before its trusted list exists: it is
// alive but not ready and refuses to verify; once the file appears it is
// loaded and the server is ready. A broken list written later is refused
// and the one loaded stays in use.
func TestReadiness(t *testing.T) {
	list := filepath.Join(t.TempDir(), "trustlist.xml")
	s := New(Config{TrustList: list})
	url, _ := start(t, s)
	if err := s.Reload(); err == nil {
		t.Fatal("a missing trusted list loaded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Watch(ctx, 10*time.Millisecond)

	sig := readFile(t, realworld(t, "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"))
	if r := get(t, url+"/healthz"); r.status != 200 {
		t.Fatalf("healthz %d", r.status)
	}
	if r := get(t, url+"/readyz"); r.status != 503 {
		t.Fatalf("readyz before load: %d", r.status)
	}
	if r := postRaw(t, url, sig, ""); r.status != 503 || r.code() != codeNotReady || r.header.Get("Retry-After") == "" {
		t.Fatalf("verify before load: %d %s", r.status, r.body)
	}
	if v := metric(t, url, "zavera_verify_ready"); v != 0 {
		t.Errorf("ready metric %v before load", v)
	}

	good := readFile(t, filepath.Join("..", "..", "validate", "testdata", "trustlist.xml"))
	if err := os.WriteFile(list, good, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "readiness", func() bool { return get(t, url+"/readyz").status == 200 })
	r := postRaw(t, url, sig, "")
	if ind, _ := r.signatureVerdict(t); r.status != 200 || ind != "PASSED" {
		t.Fatalf("after load: %d %s", r.status, r.body)
	}
	if v := metric(t, url, "zavera_verify_ready"); v != 1 {
		t.Errorf("ready metric %v after load", v)
	}

	errorsBefore := metric(t, url, `zavera_verify_trust_reloads_total{result="error"}`)
	if err := os.WriteFile(list, []byte("<broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the broken list to be tried", func() bool {
		return metric(t, url, `zavera_verify_trust_reloads_total{result="error"}`) > errorsBefore
	})
	if r := get(t, url+"/readyz"); r.status != 200 {
		t.Fatalf("readyz after a broken list: %d", r.status)
	}
	r = postRaw(t, url, sig, "")
	if ind, _ := r.signatureVerdict(t); ind != "PASSED" {
		t.Fatalf("the loaded list was dropped: %s", r.body)
	}
}

// TestReloadChangesAnchors: after the anchor file is replaced and Reload
// runs, verdicts follow the new anchors.
func TestReloadChangesAnchors(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.cer")
	if err := os.WriteFile(ca, readFile(t, realworld(t, "ca_root_tc26-example-ca_gost2012-256_paramsetA.pem")), 0o644); err != nil {
		t.Fatal(err)
	}
	s, url, _ := newLoaded(t, Config{Anchors: []string{ca}})
	sig := readFile(t, realworld(t, "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"))
	if ind, sub := postRaw(t, url, sig, "").signatureVerdict(t); ind != "INDETERMINATE" || sub != "NO_CERTIFICATE_CHAIN_FOUND" {
		t.Fatalf("with another CA: %s %s", ind, sub)
	}
	if err := os.WriteFile(ca, readFile(t, realworld(t, "ca_root_cryptopro-test-center-2_2014_gost2001.cer")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if ind, _ := postRaw(t, url, sig, "").signatureVerdict(t); ind != "PASSED" {
		t.Fatalf("after reload: %s", ind)
	}
}
