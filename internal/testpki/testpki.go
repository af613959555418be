// Package testpki runs, for tests, a GOST certification authority made
// with OpenSSL and an RFC 3161 time-stamping authority behind an HTTP
// server on loopback that calls `openssl ts -reply` for every request.
//
// Everything lives in the test's temporary directory and stops with the
// test. See package osslref for how openssl is found.
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
	"sync"
	"testing"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
)

// CA is a GOST root certification authority made by openssl.
type CA struct {
	Dir      string
	KeyFile  string
	CertFile string
	Cert     *cert.Certificate
}

// NewCA makes a GOST R 34.10-2012 (256-bit) root CA valid ten years from
// now, named cn.
func NewCA(t testing.TB, cn string) *CA {
	t.Helper()
	dir := t.TempDir()
	ca := &CA{Dir: dir, KeyFile: filepath.Join(dir, "ca.key"), CertFile: filepath.Join(dir, "ca.pem")}
	osslref.Run(t, nil, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", ca.KeyFile)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", ca.KeyFile, "-md_gost12_256", "-days", "3650",
		"-subj", "/C=RU/O=Zavera Test/CN="+cn,
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
		"-addext", "subjectKeyIdentifier=hash", "-out", ca.CertFile)
	ca.Cert = Load(t, ca.CertFile)
	return ca
}

// Issue makes a GOST 256-bit key and a certificate for it signed by the
// CA, with the extensions of ext (an openssl extension file's lines) and
// openssl x509 -req arguments extra (such as "-days", "30"). It returns
// the key's and the certificate's files.
func (ca *CA) Issue(t testing.TB, name, cn, ext string, extra ...string) (keyFile, certFile string) {
	t.Helper()
	keyFile = filepath.Join(ca.Dir, name+".key")
	certFile = filepath.Join(ca.Dir, name+".pem")
	csr := filepath.Join(ca.Dir, name+".csr")
	extFile := filepath.Join(ca.Dir, name+".ext")
	if err := os.WriteFile(extFile, []byte(ext), 0o600); err != nil {
		t.Fatal(err)
	}
	osslref.Run(t, nil, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", keyFile)
	osslref.Run(t, nil, "req", "-new", "-utf8", "-key", keyFile, "-subj", "/C=RU/O=Zavera Test/CN="+cn, "-out", csr)
	args := []string{"x509", "-req", "-in", csr, "-CA", ca.CertFile, "-CAkey", ca.KeyFile, "-md_gost12_256",
		"-set_serial", "0x" + serialFor(name), "-extfile", extFile, "-out", certFile}
	if len(extra) == 0 {
		extra = []string{"-days", "365"}
	}
	osslref.Run(t, nil, append(args, extra...)...)
	return keyFile, certFile
}

// serialFor gives each certificate of a CA a distinct serial from its name.
func serialFor(name string) string {
	var h uint32 = 2166136261
	for i := range len(name) {
		h = (h ^ uint32(name[i])) * 16777619
	}
	return string(hexDigits(h | 1<<31))
}

func hexDigits(v uint32) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		out[i] = digits[v&15]
		v >>= 4
	}
	return out
}

// Load parses a PEM or DER certificate file.
func Load(t testing.TB, file string) *cert.Certificate {
	t.Helper()
	der := osslref.Run(t, nil, "x509", "-in", file, "-outform", "DER")
	c, err := cert.Parse(der)
	if err != nil {
		t.Fatalf("parsing %s: %v", file, err)
	}
	return c
}

// TSAExt are the extensions of a TSA certificate (RFC 3161 section 2.3).
const TSAExt = "keyUsage = critical, digitalSignature, nonRepudiation\nextendedKeyUsage = critical, timeStamping\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"

// TSA is a running time-stamping authority.
type TSA struct {
	CA       *CA
	URL      string
	KeyFile  string
	CertFile string
	Cert     *cert.Certificate
	// Tamper, when set, rewrites each query before openssl answers it:
	// tests use it to get a response that does not match the request.
	Tamper func(query []byte) []byte

	mu     sync.Mutex
	dir    string
	config string
	served int
}

// Served returns the number of requests answered.
func (s *TSA) Served() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

const tsaConfig = `[tsa]
default_tsa = tsa_config
[tsa_config]
serial = %s
signer_digest = md_gost12_256
default_policy = 1.2.643.100.113.1.99
digests = md_gost12_256, md_gost12_512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
`

// StartTSA issues a TSA certificate from ca with the extensions ext
// (TSAExt for a proper one) and serves time-stamps on loopback until the
// test ends.
func StartTSA(t testing.TB, ca *CA, ext string) *TSA {
	t.Helper()
	s := &TSA{CA: ca, dir: t.TempDir()}
	s.KeyFile, s.CertFile = ca.Issue(t, "tsa", "Zavera Test TSA", ext)
	s.Cert = Load(t, s.CertFile)
	serial := filepath.Join(s.dir, "serial")
	s.config = filepath.Join(s.dir, "tsa.cnf")
	if err := os.WriteFile(serial, []byte("01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.config, []byte(fmt.Sprintf(tsaConfig, serial)), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(s.serve(t)))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *TSA) serve(t testing.TB) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		query, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.Tamper != nil {
			query = s.Tamper(query)
		}
		q := filepath.Join(s.dir, "query.tsq")
		out := filepath.Join(s.dir, "reply.tsr")
		if err := os.WriteFile(q, query, 0o600); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		cmd := exec.Command("openssl", "ts", "-reply", "-config", s.config, "-queryfile", q,
			"-inkey", s.KeyFile, "-signer", s.CertFile, "-chain", s.CA.CertFile, "-out", out)
		cmd.Env = osslref.Env(t)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			http.Error(w, stderr.String(), http.StatusInternalServerError)
			return
		}
		reply, err := os.ReadFile(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.served++
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(reply)
	}
}

// LeafExt are the extensions of a signer's certificate.
const LeafExt = "keyUsage = critical, digitalSignature, nonRepudiation\nextendedKeyUsage = emailProtection, clientAuth\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"

// Signer issues a signer's certificate from the CA (see Issue) and
// returns it with its key, ready for cms.Sign.
func (ca *CA) Signer(t testing.TB, name, cn string, extra ...string) cms.Signer {
	t.Helper()
	return ca.SignerExt(t, name, cn, LeafExt, extra...)
}

// SignerExt is Signer with the certificate extensions ext.
func (ca *CA) SignerExt(t testing.TB, name, cn, ext string, extra ...string) cms.Signer {
	t.Helper()
	keyFile, certFile := ca.Issue(t, name, cn, ext, extra...)
	der := osslref.Run(t, nil, "pkey", "-in", keyFile, "-outform", "DER")
	key, err := gost.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatalf("%s: %v", keyFile, err)
	}
	return cms.Signer{Key: key, Certificate: Load(t, certFile)}
}
