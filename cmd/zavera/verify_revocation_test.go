package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/testpki"
)

// TestVerifyRevocation runs the real binary against a CA whose OCSP
// responder and CRL are served on loopback by openssl.
func TestVerifyRevocation(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	resp := testpki.StartResponder(t, ca)
	signer := ca.SignerExt(t, "leaf", "Иванов Иван", testpki.LeafExt+resp.Ext())
	resp.Valid(signer.Certificate)
	content := []byte("платёжное поручение")
	sig, err := cms.Sign(bytes.NewReader(content), signer, &cms.Options{SigningTime: time.Now().Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sigFile, doc, crlFile := filepath.Join(dir, "s.p7s"), filepath.Join(dir, "doc.txt"), filepath.Join(dir, "ca.crl")
	os.WriteFile(sigFile, sig, 0o600)
	os.WriteFile(doc, content, 0o600)

	code, out := runZavera(t, "verify", "--ca", ca.CertFile, sigFile, doc)
	if code != exitPassed || !strings.Contains(out, "Revocation:") || !strings.Contains(out, "good (ocsp, "+resp.URL) {
		t.Fatalf("good: exit %d\n%s", code, out)
	}
	code, out = runZavera(t, "verify", "--offline", "--ca", ca.CertFile, sigFile, doc)
	if code != exitIndeterminate || !strings.Contains(out, "TRY_LATER") || !strings.Contains(out, "[offline]") {
		t.Fatalf("offline without data: exit %d\n%s", code, out)
	}
	os.WriteFile(crlFile, resp.CRL(t, time.Time{}, time.Time{}), 0o600)
	if code, out = runZavera(t, "verify", "--offline", "--crl", crlFile, "--ca", ca.CertFile, sigFile, doc); code != exitPassed {
		t.Fatalf("offline with a CRL: exit %d\n%s", code, out)
	}
	if o, _ := resp.Served(); o != 1 {
		t.Errorf("%d OCSP requests, 1 expected (the offline runs ask none)", o)
	}

	resp.Revoke(signer.Certificate, time.Now().Add(time.Minute))
	code, out = runZavera(t, "verify", "--ca", ca.CertFile, sigFile, doc)
	if code != exitFailed || !strings.Contains(out, "REVOKED") {
		t.Fatalf("revoked: exit %d\n%s", code, out)
	}
	resp.SetDown(true, true)
	if code, out = runZavera(t, "verify", "--ca", ca.CertFile, sigFile, doc); code != exitIndeterminate || !strings.Contains(out, "TRY_LATER") {
		t.Fatalf("unreachable: exit %d\n%s", code, out)
	}
}
