package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestDemoPortalArguments(t *testing.T) {
	dir := t.TempDir()
	_, caFile := agentKey(t, dir)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "Usage: zavera demo-portal"},
		{nil, 2, "--ca is required"},
		{[]string{"--ca", caFile, "--listen", "0.0.0.0:8765"}, 2, "loopback interface only"},
		{[]string{"--ca", caFile, "--listen", "nonsense"}, 2, "--listen"},
		{[]string{"--ca", caFile, "--host", "a.test", "--origin", "https://a.test"}, 2, "exclude each other"},
		{[]string{"--ca", caFile, "--tls-cert", caFile}, 2, "go together"},
		{[]string{"--ca", caFile, "--agent-port", "70000"}, 2, "out of range"},
		{[]string{"--ca", filepath.Join(dir, "missing.crt"), "--listen", "127.0.0.1:0"}, 1, "make demo-tokens"},
		{[]string{"--ca", caFile, "--listen", "127.0.0.1:0", "--origin", "ftp://x"}, 1, "invalid options"},
	} {
		code, out, errOut := runCmd(t, nil, append([]string{"demo-portal"}, tc.args...)...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%v: %d %q %q, want %d with %q", tc.args, code, out, errOut, tc.code, tc.want)
		}
	}
}

// The real binary serves the page, the client module and the API on a
// free loopback port and stops cleanly on SIGTERM.
func TestDemoPortalServes(t *testing.T) {
	bin := agentBinary(t, "")
	_, caFile := agentKey(t, t.TempDir())
	base, cmd, stderr := startDemoPortal(t, bin, "http://127.0.0.1:", "--ca", caFile, "--listen", "127.0.0.1:0", "--agent-port", "31000")
	c := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (string, http.Header) {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		return string(b), resp.Header
	}
	page, h := get("/")
	if !strings.Contains(page, "Учётные записи и роли") || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("page: %.200q, CSP %q", page, h.Get("Content-Security-Policy"))
	}
	if js, _ := get("/static/zavera.js"); !strings.Contains(js, "export async function connect") {
		t.Fatal("the client module is not served")
	}
	if js, _ := get("/static/app.js"); !strings.Contains(js, "signChallenge") {
		t.Fatal("the page's script is not served")
	}
	cfg, _ := get("/api/config")
	var conf struct{ AgentPort int }
	if err := json.Unmarshal([]byte(cfg), &conf); err != nil || conf.AgentPort != 31000 {
		t.Fatalf("config %q: %v", cfg, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
}

// The portal over https answers a client that offers HTTP/2 in HTTP/1.1:
// zavera carries no HTTP/2 code, so it must not agree to it.
func TestDemoPortalHTTPSIsHTTP1(t *testing.T) {
	bin := agentBinary(t, "")
	_, caFile := agentKey(t, t.TempDir())
	keyFile, certFile := agentKey(t, t.TempDir())
	base, _, stderr := startDemoPortal(t, bin, "https://", "--ca", caFile, "--listen", "127.0.0.1:0", "--agent-port", "31000",
		"--tls-cert", certFile, "--tls-key", keyFile)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		ForceAttemptHTTP2: true,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}},
	}}
	resp, err := c.Get(base + "/")
	if err != nil {
		t.Fatalf("GET over https: %v\n%s", err, stderr.String())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Proto != "HTTP/1.1" {
		t.Fatalf("GET over https: %d %s", resp.StatusCode, resp.Proto)
	}
}

// startDemoPortal runs `zavera demo-portal` with args and returns its
// address, which must start with prefix, once it says it serves.
func startDemoPortal(t *testing.T, bin, prefix string, args ...string) (string, *exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"demo-portal"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case l := <-line:
		base := strings.TrimSuffix(strings.TrimPrefix(l, "zavera: demo portal on "), "/")
		if !strings.HasPrefix(base, prefix) {
			t.Fatalf("first line %q", l)
		}
		return base, cmd, stderr
	case <-time.After(20 * time.Second):
		t.Fatalf("the portal did not start: %s", stderr.String())
	}
	return "", nil, nil
}
