package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zavera/zavera/internal/osslref"
)

// verifyServerProc is a running `zavera verify-server`.
type verifyServerProc struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
	done   chan error
}

// startVerifyServer runs the built binary in an empty working and home
// folder and waits for its address.
func startVerifyServer(t *testing.T, bin, home string, args ...string) *verifyServerProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"verify-server", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home, "XDG_STATE_HOME="+home, "TMPDIR="+home)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &verifyServerProc{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.stderr.Write(append(sc.Bytes(), '\n'))
			var l struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
				addr <- l.Addr
			}
		}
	}()
	go func() { err := cmd.Wait(); pw.Close(); p.done <- err }()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case a := <-addr:
		p.url = "http://" + a
	case err := <-p.done:
		t.Fatalf("verify-server ended: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("verify-server did not say where it listens")
	}
	return p
}

// postSignature posts sig, with content as a form when given, to be
// validated at the time at (RFC 3339) when not empty.
func postSignature(t *testing.T, url string, sig, content []byte, at string) (int, []byte) {
	t.Helper()
	body, ct := io.Reader(bytes.NewReader(sig)), "application/pkcs7-signature"
	if content != nil {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		w, _ := mw.CreateFormFile("signature", "sig")
		w.Write(sig)
		w, _ = mw.CreateFormFile("content", "doc")
		w.Write(content)
		mw.Close()
		body, ct = &buf, mw.FormDataContentType()
	}
	endpoint := url + "/v1/verify"
	if at != "" {
		endpoint += "?at=" + at
	}
	resp, err := http.Post(endpoint, ct, body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// withoutNow parses a report and blanks the times that are the moment of
// validation.
func withoutNow(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	var blank func(v any)
	blank = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "validatedAt" || k == "poeTime" {
					v[k] = "now"
				} else {
					blank(x)
				}
			}
		case []any:
			for _, x := range v {
				blank(x)
			}
		}
	}
	blank(m)
	return m
}

// TestVerifyServerBinary runs the built binary: every real-world
// signature gets over HTTP the report `zavera verify --json` prints for
// it; SIGHUP reloads a changed anchor file; SIGTERM stops the server;
// the log holds no document and nothing is written to disk.
func TestVerifyServerBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "zavera")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	rw := filepath.Join(osslref.Root(t), "..", "shared", "realworld")
	home := t.TempDir()
	anchor := filepath.Join(t.TempDir(), "changing-ca.pem")
	tc26, err := os.ReadFile(filepath.Join(rw, "ca_root_tc26-example-ca_gost2012-256_paramsetA.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(anchor, tc26, 0o644); err != nil {
		t.Fatal(err)
	}
	// Revocation offline on both sides: what the signatures carry decides,
	// the same wherever the test runs.
	cas := []string{"--offline", "--ca", anchor, "--ca", filepath.Join(rw, "ca_root_cryptopro-test-uc-2012_gost2012-256.cer")}
	p := startVerifyServer(t, bin, home, append(cas, "--watch", "0")...)
	for end := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(end) {
			t.Fatal("never ready")
		}
	}

	contentOf := map[string]string{
		"cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem":                 "content_cryptoarm_test_crlf.txt",
		"cms_gost2012-512_detached_cryptoarm_sign2012-512_det.txt.sig.pem":                 "content_cryptoarm_test_crlf.txt",
		"cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig": "content_cryptoarm_signCadesDetached.txt",
		"cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url":                     "content_esia-client-secret_vtb_2022_signed-string.txt",
		"cms_gost2001_detached_cryptopro-csp_pycryptoprosdk_doc.txt.sgn.b64":               "content_pycryptoprosdk_doc.txt",
		"cms_gost2001_detached_cryptoarm_sign2001_det.txt.sig.pem":                         "content_cryptoarm_test_crlf.txt",
	}
	files, _ := filepath.Glob(filepath.Join(rw, "cms_*"))
	if len(files) == 0 {
		t.Fatal("no real-world signatures")
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		sig, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		args := append([]string{"verify", "--json"}, cas...)
		args = append(args, f)
		var content []byte
		if c := contentOf[name]; c != "" {
			args = append(args, filepath.Join(rw, c))
			if content, err = os.ReadFile(filepath.Join(rw, c)); err != nil {
				t.Fatal(err)
			}
		}
		status, got := postSignature(t, p.url, sig, content, "")
		if status != 200 {
			t.Fatalf("%s: status %d: %s", name, status, got)
		}
		g := withoutNow(t, got)
		seen[g["indication"].(string)] = true
		if strings.Contains(string(got), `"validationTimeSource":"current"`) {
			// Checked now: compare both at one given time instead.
			const at = "2022-03-01T00:00:00Z"
			args = append([]string{args[0], args[1], "--at", at}, args[2:]...)
			status, got = postSignature(t, p.url, sig, content, at)
			if status != 200 {
				t.Fatalf("%s at %s: status %d: %s", name, at, status, got)
			}
			g = withoutNow(t, got)
		}
		cli := exec.Command(bin, args...)
		want, _ := cli.Output()
		if code := cli.ProcessState.ExitCode(); code == exitUsage {
			t.Fatalf("%s: zavera verify exit %d", name, code)
		}
		w := withoutNow(t, want)
		wj, _ := json.Marshal(w)
		gj, _ := json.Marshal(g)
		if !bytes.Equal(wj, gj) {
			t.Errorf("%s: the server's report differs from zavera verify --json:\nserver %s\ncli    %s", name, gj, wj)
		}
	}
	for _, ind := range []string{"PASSED", "FAILED", "INDETERMINATE"} {
		if !seen[ind] {
			t.Errorf("no signature was %s", ind)
		}
	}

	// The GOST 2012 signature under the 2001 CA has no anchor yet.
	sig, err := os.ReadFile(filepath.Join(rw, "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"))
	if err != nil {
		t.Fatal(err)
	}
	// With revocation offline and none carried, the verdict stays
	// indeterminate; the reload shows in the sub-indication: the chain is
	// found once the 2001 CA is an anchor.
	chainFound := func() bool {
		status, body := postSignature(t, p.url, sig, nil, "")
		if status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
		sigs, _ := withoutNow(t, body)["signatureValidationReport"].([]any)
		if len(sigs) != 1 {
			t.Fatalf("report: %s", body)
		}
		sub, _ := sigs[0].(map[string]any)["subIndication"].(string)
		return sub != "NO_CERTIFICATE_CHAIN_FOUND"
	}
	if chainFound() {
		t.Fatal("before reload: the chain was found")
	}
	center2, err := os.ReadFile(filepath.Join(rw, "ca_root_cryptopro-test-center-2_2014_gost2001.cer"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(anchor, center2, 0o644); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	for end := time.Now().Add(time.Minute); !chainFound(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("SIGHUP did not reload the anchors")
		}
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(time.Minute):
		t.Fatal("no exit after SIGTERM")
	}
	log := p.stderr.String()
	if n := strings.Count(log, `"msg":"request"`); n < len(files) {
		t.Errorf("%d access log lines for %d signatures", n, len(files))
	}
	doc, _ := os.ReadFile(filepath.Join(rw, "content_pycryptoprosdk_doc.txt"))
	for _, secret := range []string{strings.TrimSpace(string(doc)), "thumbprint"} {
		if secret != "" && strings.Contains(log, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("verify-server wrote %d entries in its home and working folder", len(entries))
	}
}

// TestVerifyServerArgs: the options are checked before anything starts.
func TestVerifyServerArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"--ca", "x.pem"}, true},
		{[]string{"--trust-list", "tsl.xml", "--max-body", "512K", "--timeout", "2s", "--max-in-flight", "4", "--watch", "0"}, true},
		{[]string{}, false}, // no anchors
		{[]string{"--ca", "x.pem", "--max-body", "0"}, false},
		{[]string{"--ca", "x.pem", "--max-body", "12Q"}, false},
		{[]string{"--ca", "x.pem", "--timeout", "-1s"}, false},
		{[]string{"--ca", "x.pem", "--max-in-flight", "0"}, false},
		{[]string{"--ca", "x.pem", "--bogus", "1"}, false},
		{[]string{"--ca"}, false},
	} {
		a, err := parseVerifyServerArgs(tc.args)
		if (err == nil) != tc.ok {
			t.Errorf("%q: error %v", tc.args, err)
		}
		if tc.ok && len(tc.args) > 2 && a.cfg.MaxBody != 512<<10 {
			t.Errorf("%q: max body %d", tc.args, a.cfg.MaxBody)
		}
	}
	var out, errOut bytes.Buffer
	if code := runVerifyServer(nil, nil, &out, &errOut); code != exitUsage {
		t.Errorf("no anchors: exit %d", code)
	}
}
