package testpki

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/osslref"
)

// Responder serves a CA's revocation data on loopback: CRLs made by
// `openssl ca -gencrl` at /crl and OCSP answers by `openssl ocsp` (one
// run per request, signed by the CA's GOST key) at /ocsp. Certificates
// the CA issues with ResponderExt name both.
type Responder struct {
	CA  *CA
	URL string

	mu      sync.Mutex
	entries map[string]string // serial (hex) -> index line
	// ocspDown and crlDown make the responder answer 503 (SetDown).
	ocspDown, crlDown bool
	// CRLThisUpdate and CRLNextUpdate, when set, bound the CRLs served.
	CRLThisUpdate, CRLNextUpdate time.Time
	ocspServed, crlServed        int
	index, config                string
}

// StartResponder serves ca's revocation data until the test ends.
func StartResponder(t testing.TB, ca *CA) *Responder {
	t.Helper()
	r := &Responder{CA: ca, entries: map[string]string{}}
	dir := t.TempDir()
	r.index = filepath.Join(dir, "index.txt")
	r.config = filepath.Join(dir, "ca.cnf")
	if err := os.WriteFile(r.index, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cnf := fmt.Sprintf("[ca]\ndefault_ca = zca\n[zca]\ndatabase = %s\ncertificate = %s\nprivate_key = %s\ndefault_md = md_gost12_256\ndefault_crl_days = 7\ncrlnumber = %s\n",
		r.index, ca.CertFile, ca.KeyFile, filepath.Join(dir, "crlnumber"))
	os.WriteFile(filepath.Join(dir, "crlnumber"), []byte("01\n"), 0o600)
	if err := os.WriteFile(r.config, []byte(cnf), 0o600); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/crl", func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		down := r.crlDown
		r.mu.Unlock()
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		der, err := r.makeCRL(t)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		r.mu.Lock()
		r.crlServed++
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(der)
	})
	mux.HandleFunc("/ocsp", func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		down := r.ocspDown
		r.mu.Unlock()
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<16))
		der, err := r.answerOCSP(t, dir, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		r.mu.Lock()
		r.ocspServed++
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(der)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// SetDown makes the OCSP responder, the CRL distribution point or both
// answer 503 Service Unavailable.
func (r *Responder) SetDown(ocsp, crl bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ocspDown, r.crlDown = ocsp, crl
}

// Ext returns extension lines naming the responder, to add to those of a
// certificate the CA issues.
func (r *Responder) Ext() string {
	return fmt.Sprintf("authorityInfoAccess = OCSP;URI:%s/ocsp\ncrlDistributionPoints = URI:%s/crl\n", r.URL, r.URL)
}

// Served returns how many OCSP requests and CRL downloads were answered.
func (r *Responder) Served() (ocsp, crl int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ocspServed, r.crlServed
}

func serialHex(c *cert.Certificate) string {
	s := fmt.Sprintf("%X", c.SerialNumber)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

func indexTime(t time.Time) string { return t.UTC().Format("060102150405Z") }

// Valid records c as issued and not revoked.
func (r *Responder) Valid(c *cert.Certificate) {
	r.set(c, "V", "")
}

// Revoke records c as revoked at the given time for keyCompromise.
func (r *Responder) Revoke(c *cert.Certificate, at time.Time) {
	r.set(c, "R", indexTime(at)+",keyCompromise")
}

func (r *Responder) set(c *cert.Certificate, status, revoked string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[serialHex(c)] = strings.Join([]string{status, indexTime(c.NotAfter), revoked, serialHex(c), "unknown", "/CN=" + c.Subject.CommonName}, "\t")
	var b strings.Builder
	for _, l := range r.entries {
		b.WriteString(l + "\n")
	}
	os.WriteFile(r.index, []byte(b.String()), 0o600)
}

// CRL returns a CRL of the CA as it stands, valid from thisUpdate to
// nextUpdate (both zero: now and a week).
func (r *Responder) CRL(t testing.TB, thisUpdate, nextUpdate time.Time) []byte {
	t.Helper()
	r.mu.Lock()
	r.CRLThisUpdate, r.CRLNextUpdate = thisUpdate, nextUpdate
	r.mu.Unlock()
	der, err := r.makeCRL(t)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func (r *Responder) makeCRL(t testing.TB) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	args := []string{"ca", "-config", r.config, "-gencrl", "-batch"}
	if !r.CRLThisUpdate.IsZero() {
		args = append(args, "-crl_lastupdate", r.CRLThisUpdate.UTC().Format("20060102150405Z"))
	}
	if !r.CRLNextUpdate.IsZero() {
		args = append(args, "-crl_nextupdate", r.CRLNextUpdate.UTC().Format("20060102150405Z"))
	}
	pemCRL, errOut, err := osslref.Try(t, nil, args...)
	if err != nil {
		return nil, fmt.Errorf("openssl ca -gencrl: %v: %s", err, errOut)
	}
	der, errOut, err := osslref.Try(t, pemCRL, "crl", "-outform", "DER")
	if err != nil {
		return nil, fmt.Errorf("openssl crl: %v: %s", err, errOut)
	}
	return der, nil
}

func (r *Responder) answerOCSP(t testing.TB, dir string, req []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	in := filepath.Join(dir, "req.der")
	out := filepath.Join(dir, "resp.der")
	if err := os.WriteFile(in, req, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("openssl", "ocsp", "-index", r.index, "-CA", r.CA.CertFile, "-rsigner", r.CA.CertFile,
		"-rkey", r.CA.KeyFile, "-reqin", in, "-respout", out, "-ndays", "1")
	cmd.Env = osslref.Env(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("openssl ocsp: %v: %s", err, stderr.String())
	}
	return os.ReadFile(out)
}
