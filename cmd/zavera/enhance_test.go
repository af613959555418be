package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/testpki"
)

// TestEnhanceToCAdEST upgrades a CAdES-BES made by Zavera with the real
// binary and a TSA on loopback, and checks the result with zavera verify
// and openssl cms -verify.
func TestEnhanceToCAdEST(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	content := []byte("налоговая декларация")
	bes, err := cms.Sign(bytes.NewReader(content), ca.Signer(t, "leaf", "Иванов Иван"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out, doc := filepath.Join(dir, "bes.p7s"), filepath.Join(dir, "t.p7s"), filepath.Join(dir, "doc.txt")
	os.WriteFile(in, bes, 0o600)
	os.WriteFile(doc, content, 0o600)

	if code, msg := runZavera(t, "enhance", "--tsa", tsa.URL, "--tsa-ca", ca.CertFile, in, out); code != 0 {
		t.Fatalf("enhance: exit %d: %s", code, msg)
	}
	sigT, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Parse(sigT)
	if err != nil {
		t.Fatal(err)
	}
	if toks, err := cades.SignatureTimestamps(sd.SignerInfos[0]); err != nil || len(toks) != 1 {
		t.Fatalf("%d time-stamps, %v", len(toks), err)
	}
	code, msg := runZavera(t, "verify", "--no-revocation", "--ca", ca.CertFile, out, doc)
	if code != 0 || !strings.Contains(msg, "the time the signature time-stamp proves") || !strings.Contains(msg, "Time-stamp:") {
		t.Fatalf("verify: exit %d:\n%s", code, msg)
	}
	osslref.Run(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", out, "-content", doc,
		"-CAfile", ca.CertFile, "-purpose", "any", "-out", "/dev/null")

	// An unreachable TSA fails and writes nothing.
	out2 := filepath.Join(dir, "t2.p7s")
	if code, msg := runZavera(t, "enhance", "--tsa", "http://127.0.0.1:1/", in, out2); code != 1 {
		t.Fatalf("unreachable TSA: exit %d: %s", code, msg)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Errorf("output written despite the failure: %v", err)
	}
	if code, _ := runZavera(t, "enhance", in, out2); code != exitUsage {
		t.Errorf("without --tsa: exit %d", code)
	}
}

// TestEnhanceToXLongType1 upgrades a CAdES-BES to X Long Type 1 with the
// real binary, then verifies it offline with the responder gone.
func TestEnhanceToXLongType1(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	resp := testpki.StartResponder(t, ca)
	signer := ca.SignerExt(t, "leaf", "Иванов Иван", testpki.LeafExt+resp.Ext())
	resp.Valid(signer.Certificate)
	content := []byte("архивная копия")
	bes, err := cms.Sign(bytes.NewReader(content), signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out, doc := filepath.Join(dir, "bes.p7s"), filepath.Join(dir, "xl.p7s"), filepath.Join(dir, "doc.txt")
	os.WriteFile(in, bes, 0o600)
	os.WriteFile(doc, content, 0o600)
	if code, msg := runZavera(t, "enhance", "--level", "x-long-type1", "--tsa", tsa.URL, "--ca", ca.CertFile, in, out); code != 0 {
		t.Fatalf("enhance: exit %d: %s", code, msg)
	}
	resp.SetDown(true, true)
	code, msg := runZavera(t, "verify", "--offline", "--ca", ca.CertFile, out, doc)
	if code != 0 || !strings.Contains(msg, "good (ocsp, not fetched)") || !strings.Contains(msg, "[offline]") {
		t.Fatalf("verify --offline: exit %d:\n%s", code, msg)
	}
	osslref.Run(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", out, "-content", doc,
		"-CAfile", ca.CertFile, "-purpose", "any", "-out", "/dev/null")

	// With the responder down a new X Long cannot be made: no revocation
	// data, exit 1.
	if code, msg := runZavera(t, "enhance", "--level", "x-long-type1", "--tsa", tsa.URL, "--ca", ca.CertFile, in, filepath.Join(dir, "x2.p7s")); code != 1 {
		t.Fatalf("responder down: exit %d: %s", code, msg)
	}
	if code, _ := runZavera(t, "enhance", "--level", "x-long-type1", "--tsa", tsa.URL, in, filepath.Join(dir, "x3.p7s")); code != exitUsage {
		t.Errorf("without --ca: exit %d", code)
	}
}
