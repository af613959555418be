package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runServeProcess runs `zavera serve` to its end, with no terminal.
func runServeProcess(t *testing.T, bin string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("serve still running after 30 s:\n%s\n%s", o.String(), e.String())
	}
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, o.String(), e.String()
}

// A second start finds the running agent, asks it for its window over the
// local channel, and exits without serving; the first keeps serving.
func TestServeSecondInstance(t *testing.T) {
	bin := agentBinary(t, "zavera_script")
	dir := t.TempDir()
	keyFile, certFile := agentKey(t, dir)
	cfgFile := filepath.Join(dir, "config.json")
	port := freePort(t)
	os.WriteFile(cfgFile, []byte(fmt.Sprintf(`{"port": %d, "origins": ["https://portal.example"]}`, port)), 0o600)
	env := []string{"ZAVERA_SCRIPT_APPROVE=1"}
	args := []string{"--headless", "--verbose", "--config", cfgFile, "--key", keyFile, "--cert", certFile}
	first := startAgent(t, bin, env, args...)
	if first.addr != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Fatalf("first agent on %s, want port %d", first.addr, port)
	}
	sock := filepath.Join(dir, instanceSocket)
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatalf("no local channel: %v\n%s", err, first.stderrText())
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("local channel %v, want a socket with mode 0600", fi.Mode())
	}

	code, out, errOut := runServeProcess(t, bin, env, args...)
	if code != 0 {
		t.Fatalf("second start: exit %d\n%s\n%s", code, out, errOut)
	}
	// Only the running agent's answer on the channel says "no window".
	if !strings.Contains(out, fmt.Sprintf("already running on port %d; it asks on its terminal and has no window to show", port)) ||
		strings.Contains(out, "listening") {
		t.Fatalf("second start said:\n%s\n%s", out, errOut)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(first.stderrText(), "asked for the window") {
		if time.Now().After(deadline) {
			t.Fatalf("the running agent was not asked:\n%s", first.stderrText())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The first still serves pages.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := agent.Probe(ctx, "ws://"+first.addr+"/", nil); err != nil {
		t.Fatalf("first agent after the second start: %v", err)
	}
	// It removes its socket when it stops.
	first.cmd.Process.Signal(syscall.SIGTERM)
	if err := first.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, first.stderrText())
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}
}

// A port held by another program: a clear message and exit 1.
func TestServePortTakenByAnother(t *testing.T) {
	bin := agentBinary(t, "zavera_script")
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not here", http.StatusNotFound)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	keyFile, certFile := agentKey(t, dir)
	code, out, errOut := runServeProcess(t, bin, []string{"ZAVERA_SCRIPT_APPROVE=1"},
		"--headless", "--port", fmt.Sprint(port), "--config", filepath.Join(dir, "c.json"), "--key", keyFile, "--cert", certFile)
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("port %d: the port is taken by another program, not Zavera", port)) ||
		strings.Contains(out, "listening") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// The channel shows the window on "show" only, for its user only, and
// replaces a socket left by an agent that died.
func TestInstanceChannel(t *testing.T) {
	dir, err := os.MkdirTemp("", "zi") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, instanceSocket)

	// A socket file nobody listens on.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatal("stale socket not left")
	}

	var shows atomic.Int32
	log := slog.New(slog.DiscardHandler)
	s, err := listenInstance(path, func() string { shows.Add(1); return instanceShown }, log)
	if err != nil {
		t.Fatalf("over a stale socket: %v", err)
	}
	defer s.Close()
	if ans, err := askShow(path); err != nil || ans != instanceShown || shows.Load() != 1 {
		t.Fatalf("show: %q %v, %d shows", ans, err, shows.Load())
	}
	// A live channel is not taken over.
	if _, err := listenInstance(path, func() string { return instanceShown }, log); err == nil {
		t.Fatal("a second channel took over a live one")
	}
	for name, in := range map[string]string{
		"unknown command": "sign\n",
		"long line":       strings.Repeat("show", 100) + "\n",
		"no newline":      "show",
	} {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write([]byte(in))
		c.(*net.UnixConn).CloseWrite()
		var b bytes.Buffer
		b.ReadFrom(c)
		c.Close()
		if strings.Contains(b.String(), instanceShown) {
			t.Errorf("%s: answered %q", name, b.String())
		}
	}
	if shows.Load() != 1 {
		t.Fatalf("%d shows after hostile input", shows.Load())
	}
	if _, err := askShow(filepath.Join(dir, "none.sock")); err == nil {
		t.Fatal("asked a channel that does not exist")
	}
}
