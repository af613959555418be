// Command pkiserver runs package testpki's certification authority, its
// time-stamping authority and its OCSP and CRL responder on loopback for
// the browser tests (web/extension/test/longterm.test.mjs), which cannot
// call Go test helpers. It issues a signer's certificate that names the
// responder, with its key in a PKCS#12 file for the agent's software keys,
// prints one JSON line saying where everything is, and serves until its
// standard input closes; then it removes its files.
//
// Usage: pkiserver -password PASSWORD -cn "SIGNER NAME"
//
// It must run inside the source tree (package osslref finds the GOST
// engine's configuration from go.mod). For tests only.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/testpki"
)

// runner stands for the test that testpki expects: temporary folders and
// cleanups are kept until exit, and a fatal error ends the program.
type runner struct {
	testing.TB // unset: only the methods below are called
	dir        string
	mu         sync.Mutex
	n          int
	cleanups   []func()
}

func (r *runner) Helper()      {}
func (r *runner) Name() string { return "pkiserver" }
func (r *runner) TempDir() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	d := filepath.Join(r.dir, fmt.Sprint(r.n))
	if err := os.Mkdir(d, 0o700); err != nil {
		r.Fatal(err)
	}
	return d
}
func (r *runner) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}
func (r *runner) Log(args ...any)                 { fmt.Fprintln(os.Stderr, args...) }
func (r *runner) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
func (r *runner) Error(args ...any)               { r.Log(args...) }
func (r *runner) Errorf(format string, args ...any) {
	r.Logf(format, args...)
}
func (r *runner) Fatal(args ...any) {
	r.Log(args...)
	r.stop()
	os.Exit(1)
}
func (r *runner) Fatalf(format string, args ...any) {
	r.Logf(format, args...)
	r.stop()
	os.Exit(1)
}

func (r *runner) stop() {
	r.mu.Lock()
	fs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
	os.RemoveAll(r.dir)
}

// Where the test finds what was started.
type started struct {
	TSA       string `json:"tsa"`
	Responder string `json:"responder"`
	CAFile    string `json:"caFile"`
	CertFile  string `json:"certFile"`
	PFX       string `json:"pfx"`
}

func main() {
	password := flag.String("password", "", "the PKCS#12 file's password")
	cn := flag.String("cn", "Тестовый подписант", "the signer's common name")
	flag.Parse()
	if *password == "" {
		fmt.Fprintln(os.Stderr, "pkiserver: -password is required")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "zavera-pki-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pkiserver:", err)
		os.Exit(1)
	}
	r := &runner{dir: dir}
	ca := testpki.NewCA(r, "Zavera Test Root")
	tsa := testpki.StartTSA(r, ca, testpki.TSAExt)
	resp := testpki.StartResponder(r, ca)
	keyFile, certFile := ca.Issue(r, "signer", *cn, testpki.LeafExt+resp.Ext())
	resp.Valid(testpki.Load(r, certFile))
	pfx := filepath.Join(ca.Dir, "signer.pfx")
	osslref.Run(r, nil, "pkcs12", "-export", "-inkey", keyFile, "-in", certFile, "-keypbe", "gost89", "-certpbe", "gost89",
		"-macalg", "md_gost12_256", "-passout", "pass:"+*password, "-out", pfx)
	out, _ := json.Marshal(started{TSA: tsa.URL, Responder: resp.URL, CAFile: ca.CertFile, CertFile: certFile, PFX: pfx})
	fmt.Println(string(out))
	io.Copy(io.Discard, os.Stdin)
	r.stop()
}
