package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zavera/zavera/agent/localchan"
	"github.com/zavera/zavera/internal/browserext"
	"github.com/zavera/zavera/internal/nativehost"
	"github.com/zavera/zavera/internal/osslref"
)

// userEnv is a user of its own for a test: HOME, configuration and state
// folders in dir, and a configuration that approves portal.example and
// listens on a free port range of its own.
func userEnv(t *testing.T, dir string) []string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfgDir := filepath.Join(dir, "config", "zavera")
	os.MkdirAll(cfgDir, 0o700)
	cfg := fmt.Sprintf(`{"origins": ["https://portal.example"], "port": %d, "noModuleDiscovery": true}`, port)
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_STATE_HOME=" + filepath.Join(dir, "state"), "ZAVERA_SCRIPT_APPROVE=1", "ZAVERA_PKCS11_MODULES="}
}

// nmHost is a `zavera native-host` child fed frames as a browser does.
type nmHost struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	frames chan []byte
	stderr *bytes.Buffer
}

func startHost(t *testing.T, bin string, env []string, args ...string) *nmHost {
	t.Helper()
	return startHostProgram(t, bin, env, append([]string{"native-host"}, args...)...)
}

// startHostProgram starts a host program with args.
func startHostProgram(t *testing.T, bin string, env []string, args ...string) *nmHost {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h := &nmHost{t: t, cmd: cmd, in: in, frames: make(chan []byte, 64), stderr: &bytes.Buffer{}}
	cmd.Stderr = h.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	go func() {
		defer close(h.frames)
		for {
			var n uint32
			if err := binary.Read(out, binary.NativeEndian, &n); err != nil {
				return
			}
			if n > nativehost.MaxOutFrame {
				t.Errorf("a frame of %d bytes from the host, over 1 MiB", n)
				return
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(out, b); err != nil {
				return
			}
			h.frames <- b
		}
	}()
	return h
}

func (h *nmHost) send(v any) {
	h.t.Helper()
	b, _ := json.Marshal(v)
	var n [4]byte
	binary.NativeEndian.PutUint32(n[:], uint32(len(b)))
	if _, err := h.in.Write(append(n[:], b...)); err != nil {
		h.t.Fatal(err)
	}
}

// hostFrame is what the host sends the extension.
type hostFrame struct {
	Session string          `json:"session"`
	Message json.RawMessage `json:"message"`
	Closed  int             `json:"closed"`
	Reason  string          `json:"reason"`
	Part    *int            `json:"part"`
	Parts   int             `json:"parts"`
	Data    string          `json:"data"`
}

// next returns the next message of a session, parts joined, or the
// frame that closed it; parts counts the frames it came in.
func (h *nmHost) next(session string) (f hostFrame, parts int) {
	h.t.Helper()
	var joined strings.Builder
	for {
		select {
		case b, ok := <-h.frames:
			if !ok {
				h.t.Fatalf("the host ended: %s", h.stderr)
			}
			var f hostFrame
			if err := json.Unmarshal(b, &f); err != nil {
				h.t.Fatalf("frame %.200s: %v", b, err)
			}
			if f.Session != session {
				h.t.Fatalf("a frame of session %q, want %q", f.Session, session)
			}
			if f.Part == nil {
				return f, 1
			}
			if *f.Part != parts {
				h.t.Fatalf("part %d, want %d", *f.Part, parts)
			}
			joined.WriteString(f.Data)
			parts++
			if parts == f.Parts {
				return hostFrame{Session: session, Message: json.RawMessage(joined.String())}, parts
			}
		case <-time.After(30 * time.Second):
			h.t.Fatalf("no frame from the host in 30s: %s", h.stderr)
		}
	}
}

// call sends a request in a session and returns its result; notifications
// are skipped.
func (h *nmHost) call(session, origin string, id int, method string, params, out any) (frames int) {
	h.t.Helper()
	h.send(map[string]any{"session": session, "origin": origin,
		"message": map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params}})
	for {
		f, parts := h.next(session)
		if f.Message == nil {
			h.t.Fatalf("%s: session closed %d %q", method, f.Closed, f.Reason)
		}
		var m struct {
			ID     *int            `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(f.Message, &m); err != nil {
			h.t.Fatal(err)
		}
		if m.ID == nil {
			continue
		}
		if *m.ID != id || m.Error != nil {
			h.t.Fatalf("%s: answer %s", method, f.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				h.t.Fatal(err)
			}
		}
		return parts
	}
}

// The real host, fed native messaging frames as Chrome sends them,
// relays to a real agent: the page's session lists and signs (checked by
// OpenSSL), an answer over 1 MiB comes in parts, the origin the
// extension gave is the one the agent applies, and closing a session ends
// it on the agent.
func TestNativeHostEndToEnd(t *testing.T) {
	bin := agentBinary(t, "zavera_script")
	dir := t.TempDir()
	env := userEnv(t, dir)
	keyFile, certFile := agentKey(t, dir)
	startAgent(t, bin, env, "--headless", "--key", keyFile, "--cert", certFile)
	h := startHost(t, bin, env, browserext.ChromiumOrigin)

	const s1 = "7:0:1"
	var hello struct{ Approved bool }
	h.call(s1, "https://portal.example", 1, "hello", map[string]any{"protocols": []int{1}}, &hello)
	if !hello.Approved {
		t.Fatal("the configured origin is not approved over the host")
	}
	var certs struct{ Certificates []struct{ ID string } }
	h.call(s1, "https://portal.example", 2, "certificates", map[string]any{}, &certs)
	if len(certs.Certificates) != 1 {
		t.Fatalf("certificates: %+v", certs)
	}
	doc := []byte("Заявление\n")
	var sig struct{ Signature []byte }
	h.call(s1, "https://portal.example", 3, "sign", map[string]any{"certificate": certs.Certificates[0].ID, "data": doc, "description": "test"}, &sig)
	sigFile, docFile := filepath.Join(dir, "s.p7s"), filepath.Join(dir, "doc")
	os.WriteFile(sigFile, sig.Signature, 0o600)
	os.WriteFile(docFile, doc, 0o600)
	osslref.Run(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", docFile,
		"-CAfile", certFile, "-partial_chain", "-purpose", "any", "-out", "/dev/null")

	// An attached signature of 900 KB: its answer is over 1 MiB.
	big := bytes.Repeat([]byte("Договор поставки. "), 900<<10/len("Договор поставки. "))
	var att struct{ Signature []byte }
	parts := h.call(s1, "https://portal.example", 4, "sign", map[string]any{"certificate": certs.Certificates[0].ID, "data": big,
		"description": "big", "attached": true}, &att)
	if parts < 2 {
		t.Fatalf("an answer of %d bytes came in %d frame", len(att.Signature)*4/3, parts)
	}
	os.WriteFile(sigFile, att.Signature, 0o600)
	out := osslref.Run(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile,
		"-CAfile", certFile, "-partial_chain", "-purpose", "any")
	if !bytes.Equal(out, big) {
		t.Fatal("the attached content differs")
	}

	// The agent applies the origin the extension gave: another site is
	// not approved, and an http origin is refused with 1008.
	const s2 = "8:0:1"
	h.call(s2, "https://other.example", 1, "hello", map[string]any{"protocols": []int{1}}, &hello)
	if hello.Approved {
		t.Fatal("another origin is approved")
	}
	h.send(map[string]any{"session": "9:0:1", "origin": "http://portal.example",
		"message": map[string]any{"jsonrpc": "2.0", "id": 1, "method": "hello", "params": map[string]any{"protocols": []int{1}}}})
	if f, _ := h.next("9:0:1"); f.Closed != 1008 {
		t.Fatalf("an http origin: %+v", f)
	}
	// A page that goes away: its session ends, the others go on.
	h.send(map[string]any{"session": s2, "close": true})
	h.call(s1, "https://portal.example", 5, "info", nil, nil)
	// The browser closes the port: the host exits cleanly.
	h.in.Close()
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("host exit: %v\n%s", err, h.stderr)
	}
}

// hostBinary builds zavera-host beside the zavera of agentBinary, as the
// packages install it.
func hostBinary(t *testing.T, bin string) string {
	t.Helper()
	host := filepath.Join(filepath.Dir(bin), "zavera-host")
	if _, err := os.Stat(host); err == nil {
		return host
	}
	cmd := exec.Command("go", "build", "-o", host, "./cmd/zavera-host")
	cmd.Dir = osslref.Root(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/zavera-host: %v\n%s", err, out)
	}
	return host
}

// The zavera-host program, which the manifests name, started as Firefox
// starts it while no agent runs: it finds zavera beside it, starts the
// agent, waits for its channel and relays; the agent it started keeps
// running after the host ends.
func TestNativeHostStartsTheAgent(t *testing.T) {
	bin := agentBinary(t, "zavera_script")
	host := hostBinary(t, bin)
	dir := t.TempDir()
	env := userEnv(t, dir)
	sock := filepath.Join(dir, "state", "zavera", localchan.PagesSocket)
	t.Cleanup(func() { stopAgentsOf(bin, dir) })
	h := startHostProgram(t, host, env, filepath.Join(dir, "ru.zavera.host.json"), browserext.FirefoxExtensionID)
	var hello struct{ Approved bool }
	h.call("1:0:1", "https://portal.example", 1, "hello", map[string]any{"protocols": []int{1}}, &hello)
	if !hello.Approved {
		t.Fatal("not approved")
	}
	h.in.Close()
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("host exit: %v\n%s", err, h.stderr)
	}
	// The agent answers on after the host is gone; stop it.
	c, err := localchan.Dial(sock, "https://portal.example", 5*time.Second)
	if err != nil {
		t.Fatalf("the started agent is gone with the host: %v", err)
	}
	c.Close()
	if n := stopAgentsOf(bin, dir); n != 1 {
		t.Fatalf("%d agents of this user running, want 1", n)
	}
}

// stopAgentsOf stops the `zavera serve` processes whose HOME is dir.
func stopAgentsOf(bin, dir string) int {
	out, _ := exec.Command("pgrep", "-f", "-x", bin+" serve( --tls)?").Output()
	n := 0
	for _, f := range strings.Fields(string(out)) {
		var pid int
		fmt.Sscan(f, &pid)
		envb, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if bytes.Contains(envb, []byte("HOME="+dir+"\x00")) {
			syscall.Kill(pid, syscall.SIGTERM)
			n++
		}
	}
	return n
}

// Callers other than the Zavera extension are refused before anything
// is read.
func TestNativeHostRefusesOtherCallers(t *testing.T) {
	for _, args := range [][]string{nil, {"chrome-extension://pfhgbfnnjiafkhfdkmpiflachepdcjod/"}, {"/m.json", "ru.cryptopro.nmcades@cryptopro.ru"}} {
		code, out, errOut := runCmd(t, nil, append([]string{"native-host"}, args...)...)
		if code != 1 || out != "" || !strings.Contains(errOut, "not the Zavera extension") {
			t.Fatalf("%q: %d %q %q", args, code, out, errOut)
		}
	}
}

// The doctor tells when the extension's host is registered with no
// browser, or with a program that is not there; 'zavera install'
// registers it and 'zavera uninstall' takes it away.
func TestDoctorChecksTheNativeHost(t *testing.T) {
	t.Setenv("LC_ALL", "C")
	home, root, dir := t.TempDir(), t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(home, ".config", "chromium"), 0o700)
	cfgFile := filepath.Join(dir, "config.json")
	os.WriteFile(cfgFile, []byte(`{"noModuleDiscovery": true}`), 0o600)
	exe := filepath.Join(dir, "bin", "zavera")
	os.MkdirAll(filepath.Dir(exe), 0o755)
	for _, p := range []string{exe, filepath.Join(dir, "bin", "zavera-host")} {
		os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	args := []string{"--config", cfgFile, "--port", port, "--home", home, "--root", root}
	_, r := runDoctorJSON(t, args...)
	if len(r.Installation.NativeHosts) != 0 || !hasProblem(r, "native messaging host is registered with no browser") {
		t.Fatalf("before install: %+v %q", r.Installation.NativeHosts, r.Problems)
	}
	if code, out, errOut := runCmd(t, nil, "install", "--home", home, "--root", root, "--config", cfgFile, "--exe", exe); code != 0 {
		t.Fatalf("install: %d %s %s", code, out, errOut)
	}
	_, r = runDoctorJSON(t, args...)
	h := r.Installation.NativeHosts
	if len(h) != 1 || h[0].Browser != "Chromium" || h[0].Error != "" || h[0].Program != filepath.Join(dir, "bin", "zavera-host") || hasProblem(r, "native messaging") {
		t.Fatalf("after install: %+v %q", h, r.Problems)
	}
	os.Remove(filepath.Join(dir, "bin", "zavera-host"))
	if _, r = runDoctorJSON(t, args...); !hasProblem(r, "the program is not there") {
		t.Fatalf("program gone: %q", r.Problems)
	}
	if code, _, errOut := runCmd(t, nil, "uninstall", "--home", home, "--root", root, "--config", cfgFile); code != 0 {
		t.Fatalf("uninstall: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "chromium", "NativeMessagingHosts")); !os.IsNotExist(err) {
		t.Fatalf("uninstall left the host's folder: %v", err)
	}
}

// A host that is not beside zavera (a browser profile's copy, a moved
// folder) and has no zavera on PATH still relays to the agent that runs:
// it needs the program only to start one.
func TestNativeHostAloneReachesTheRunningAgent(t *testing.T) {
	bin := agentBinary(t, "zavera_script")
	dir := t.TempDir()
	env := userEnv(t, dir)
	keyFile, certFile := agentKey(t, dir)
	startAgent(t, bin, env, "--headless", "--key", keyFile, "--cert", certFile)
	alone := filepath.Join(dir, "alone")
	os.MkdirAll(alone, 0o755)
	data, err := os.ReadFile(hostBinary(t, bin))
	if err != nil {
		t.Fatal(err)
	}
	host := filepath.Join(alone, "zavera-host")
	if err := os.WriteFile(host, data, 0o755); err != nil {
		t.Fatal(err)
	}
	h := startHostProgram(t, host, append(env, "PATH="+alone), browserext.ChromiumOrigin)
	var hello struct{ Approved bool }
	h.call("1:0:1", "https://portal.example", 1, "hello", map[string]any{"protocols": []int{1}}, &hello)
	if !hello.Approved {
		t.Fatal("not approved")
	}
	h.in.Close()
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("host exit: %v\n%s", err, h.stderr)
	}
}
