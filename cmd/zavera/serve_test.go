package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

var (
	agentBinOnce sync.Map // tags -> *agentBuild
)

type agentBuild struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// agentBinary builds the zavera command with the given build tags, once
// per test run.
// shippedTags are AGENT_TAGS of the Makefile.
const shippedTags = "nethttpomithttp2"

func agentBinary(t *testing.T, tags string) string {
	t.Helper()
	v, _ := agentBinOnce.LoadOrStore(tags, &agentBuild{})
	b := v.(*agentBuild)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "zavera-bin")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "zavera")
		goTool, err := exec.LookPath("go")
		if err != nil {
			b.err = err
			return
		}
		// Built with the tags the Makefile builds zavera with, so that
		// the tests run what ships.
		args := []string{"build", "-o", b.path, "-tags", strings.TrimSpace(shippedTags + " " + tags)}
		cmd := exec.Command(goTool, append(args, "./cmd/zavera")...)
		cmd.Dir = osslref.Root(t)
		b.out, b.err = cmd.CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("go build -tags %q: %v\n%s", tags, b.err, b.out)
	}
	return b.path
}

// agentKey writes an ECDSA key and its self-signed certificate.
func agentKey(t *testing.T, dir string) (keyFile, certFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Serve Test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	p8, _ := x509.MarshalPKCS8PrivateKey(k)
	keyFile, certFile = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	return keyFile, certFile
}

// runningAgent is a `zavera serve` child process.
type runningAgent struct {
	cmd    *exec.Cmd
	addr   string
	stderr *strings.Builder
	mu     *sync.Mutex
}

func startAgent(t *testing.T, bin string, env []string, args ...string) *runningAgent {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	a := &runningAgent{cmd: cmd, stderr: &strings.Builder{}, mu: &sync.Mutex{}}
	cmd.Stderr = lockedBuilder{a.stderr, a.mu}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	select {
	case l := <-lines:
		f := strings.Fields(strings.TrimPrefix(l, "zavera: listening on "))
		if len(f) == 0 || !strings.HasPrefix(f[0], "ws://127.0.0.1:") {
			t.Fatalf("first line %q", l)
		}
		a.addr = strings.TrimPrefix(f[0], "ws://")
	case <-time.After(20 * time.Second):
		t.Fatalf("agent did not start: %s", a.stderrText())
	}
	return a
}

func (a *runningAgent) stderrText() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stderr.String()
}

type lockedBuilder struct {
	b  *strings.Builder
	mu *sync.Mutex
}

func (l lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// page is a minimal websocket client, one request at a time.
type page struct {
	t  *testing.T
	ws *websocket.Conn
	id int
}

func openPage(t *testing.T, addr, origin string) *page {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", http.Header{"Origin": {origin}})
	if err != nil {
		t.Fatalf("dial: %v %v", err, resp)
	}
	t.Cleanup(func() { ws.Close() })
	return &page{t: t, ws: ws}
}

// call returns the result, or the error reason.
func (p *page) call(method string, params any, out any) string {
	p.t.Helper()
	p.id++
	req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": p.id, "method": method, "params": params})
	if err := p.ws.WriteMessage(websocket.TextMessage, req); err != nil {
		p.t.Fatal(err)
	}
	for {
		p.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, data, err := p.ws.ReadMessage()
		if err != nil {
			p.t.Fatalf("%s: %v", method, err)
		}
		var m struct {
			ID     *int            `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Data struct{ Reason string } `json:"data"`
			} `json:"error"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			p.t.Fatal(err)
		}
		if m.ID == nil {
			continue // a notification
		}
		if *m.ID != p.id {
			p.t.Fatalf("answer to %d, want %d", *m.ID, p.id)
		}
		if m.Error != nil {
			return m.Error.Data.Reason
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				p.t.Fatal(err)
			}
		}
		return ""
	}
}

func (p *page) must(method string, params, out any) {
	p.t.Helper()
	if r := p.call(method, params, out); r != "" {
		p.t.Fatalf("%s: %s", method, r)
	}
}

// The real binary, built with the test-only approving prompter: a page
// connects, lists, signs (checked by OpenSSL), pairs; the journal records
// it and verifies; SIGTERM stops the agent cleanly.
func TestServeEndToEnd(t *testing.T) {
	bin := agentBinary(t, "zavera_script")
	dir := t.TempDir()
	keyFile, certFile := agentKey(t, dir)
	cfgFile := filepath.Join(dir, "config.json")
	os.WriteFile(cfgFile, []byte(`{"origins": ["https://portal.example"]}`), 0o600)
	a := startAgent(t, bin, []string{"ZAVERA_SCRIPT_APPROVE=1"},
		"--headless", "--port", "0", "--config", cfgFile, "--key", keyFile, "--cert", certFile, "--tls")

	// wss on the same port, trusted through the local CA made at start.
	caPEM, err := os.ReadFile(filepath.Join(dir, "tls", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("no CA certificate")
	}
	wd := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: pool}}
	wss, _, err := wd.Dial("wss://"+a.addr+"/", http.Header{"Origin": {"https://portal.example"}})
	if err != nil {
		t.Fatalf("wss: %v", err)
	}
	wss.Close()

	p := openPage(t, a.addr, "https://portal.example")
	var hello struct{ Approved bool }
	p.must("hello", map[string]any{"protocols": []int{1}}, &hello)
	if !hello.Approved {
		t.Fatal("configured origin not approved")
	}
	var certs struct {
		Certificates []struct{ ID string }
	}
	p.must("certificates", map[string]any{}, &certs)
	if len(certs.Certificates) != 1 {
		t.Fatalf("certificates: %+v", certs)
	}
	doc := []byte("Заявление\n")
	var sig struct{ Signature []byte }
	p.must("sign", map[string]any{"certificate": certs.Certificates[0].ID, "data": doc, "description": "test"}, &sig)
	sigFile, docFile := filepath.Join(dir, "s.p7s"), filepath.Join(dir, "doc")
	os.WriteFile(sigFile, sig.Signature, 0o600)
	os.WriteFile(docFile, doc, 0o600)
	osslref.Run(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", docFile,
		"-CAfile", certFile, "-partial_chain", "-purpose", "any", "-out", "/dev/null")

	// A new site pairs (approved by the test prompter) and is remembered.
	q := openPage(t, a.addr, "https://new.example")
	q.must("hello", map[string]any{"protocols": []int{1}}, nil)
	q.must("pair", nil, nil)
	q.must("tokens", nil, nil)
	code, out, errOut := runCmd(t, nil, "serve", "--list-origins", "--config", cfgFile)
	if code != 0 || !strings.Contains(out, "https://new.example\tapproved") || !strings.Contains(out, "https://portal.example\tconfigured") {
		t.Fatalf("list-origins: %d %q %q", code, out, errOut)
	}
	// Revoked from another process: refused at once.
	if code, _, errOut := runCmd(t, nil, "serve", "--revoke", "https://new.example", "--config", cfgFile); code != 0 {
		t.Fatalf("revoke: %s", errOut)
	}
	if r := q.call("tokens", nil, nil); r != "origin_not_allowed" {
		t.Fatalf("after revoke: %q", r)
	}

	// SIGTERM: a clean exit.
	a.cmd.Process.Signal(syscall.SIGTERM)
	if err := a.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, a.stderrText())
	}
	// The signature, the consent and the revocation.
	code, out, errOut = runCmd(t, nil, "journal", "--verify", "--config", cfgFile)
	if code != 0 || !strings.Contains(out, "3 records, chain intact") {
		t.Fatalf("journal --verify: %d %q %q", code, out, errOut)
	}
}

// The shipped build has no approving prompter: the environment variable
// does nothing, and without a terminal the agent refuses to start.
func TestServeShippedBuildNeverApprovesByScript(t *testing.T) {
	bin := agentBinary(t, "")
	dir := t.TempDir()
	keyFile, certFile := agentKey(t, dir)
	cmd := exec.Command(bin, "serve", "--headless", "--port", "0", "--config", filepath.Join(dir, "c.json"), "--key", keyFile, "--cert", certFile)
	cmd.Env = append(os.Environ(), "ZAVERA_SCRIPT_APPROVE=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Stdin = strings.NewReader("y\ny\n")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no controlling terminal") || strings.Contains(string(out), "listening") {
		t.Fatalf("shipped build: %v\n%s", err, out)
	}
}

func TestServeUsage(t *testing.T) {
	// Without --headless and without a display the agent must refuse to
	// start; in a desktop session it would start for real instead.
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	for _, args := range [][]string{
		{"serve", "--key", "k"},
		{"serve", "--tls-cert", "c"},
		{"serve", "--tls", "--tls-cert", "c", "--tls-key", "k"},
		{"serve", "--port", "70000"},
		{"serve", "extra"},
		{"serve", "--nope"},
	} {
		if code, _, errOut := runCmd(t, nil, args...); code != 2 || !strings.Contains(errOut, "Usage: zavera serve") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	if code, out, _ := runCmd(t, nil, "serve", "--help"); code != 0 || !strings.Contains(out, "--headless") {
		t.Errorf("help: %d", code)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.json")
	// A port nothing listens on: a Zavera running on the default port
	// would answer, and serve would leave the port to it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := l.Addr().(*net.TCPAddr).Port
	l.Close()
	os.WriteFile(cfg, []byte(fmt.Sprintf(`{"port": %d}`, free)), 0o600)
	if code, _, errOut := runCmd(t, nil, "serve", "--config", cfg); code != 1 || !strings.Contains(errOut, "--headless") {
		t.Errorf("without --headless: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, nil, "serve", "--headless", "--key", "k", "--cert", "c", "--module", "m"); code != 2 {
		t.Errorf("--key with --module: %d %q", code, errOut)
	}
	os.WriteFile(cfg, []byte(`{"port": "x"}`), 0o600)
	if code, _, errOut := runCmd(t, nil, "serve", "--list-origins", "--config", cfg); code != 1 || !strings.Contains(errOut, "configuration") {
		t.Errorf("bad configuration: %d %q", code, errOut)
	}
}

// openPTY returns a new pseudo-terminal pair.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminals: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatal(e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatal(e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// screenReader collects what the agent writes on its terminal.
type screenReader struct {
	mu   sync.Mutex
	text strings.Builder
}

func (s *screenReader) waitFor(t *testing.T, want string, from int) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.mu.Lock()
		text := s.text.String()
		s.mu.Unlock()
		if i := strings.Index(text[from:], want); i >= 0 {
			return from + i + len(want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q:\n%s", want, text)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The shipped binary on a terminal with the GOST test token: the user
// approves the site, confirms the signature and types the PIN, which the
// terminal does not echo; OpenSSL verifies the signature. The log file,
// written in detail (--verbose), has what the agent did and not the PIN.
func TestServeOnTerminalWithGOSTToken(t *testing.T) {
	bin := agentBinary(t, "")
	module := filepath.Join(osslref.Root(t), "build", "libgosttoken.so")
	if _, err := os.Stat(module); err != nil {
		t.Fatalf("the GOST test token is not built (%v): run make testtoken", err)
	}
	dir := t.TempDir()
	t.Setenv("GOSTTOKEN_DIR", dir)
	if err := provision.GOSTTokenConfig(dir, 5, "one"); err != nil {
		t.Fatal(err)
	}
	if err := provision.InitTokens(module, "Zavera GOST"); err != nil {
		t.Fatal(err)
	}
	key, err := provision.GOST(module, "Zavera GOST", "leader", []byte("k1"), 256, "TCA", dir, osslref.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(`{"origins": [], "modules": ["`+module+`"], "noModuleDiscovery": true}`), 0o600)

	master, slave := openPTY(t)
	logFile := filepath.Join(dir, "logs", "zavera.log")
	cmd := exec.Command(bin, "serve", "--headless", "--port", "0", "--config", cfg, "--verbose", "--log-file", logFile)
	cmd.Env = append(os.Environ(), "GOSTTOKEN_DIR="+dir, "ZAVERA_PKCS11_MODULES=")
	cmd.Stdin = slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	screen := &screenReader{}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			screen.mu.Lock()
			screen.text.Write(buf[:n])
			screen.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("agent did not start: %v", err)
	}
	addr := strings.TrimPrefix(strings.Fields(strings.TrimPrefix(line, "zavera: listening on "))[0], "ws://")

	const origin = "https://portal.example"
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", http.Header{"Origin": {origin}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	send := func(id int, method string, params any) {
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
		if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
			t.Fatal(err)
		}
	}
	type msg struct {
		ID     *int            `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	next := func() msg {
		ws.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var m msg
		json.Unmarshal(data, &m)
		return m
	}
	send(1, "hello", map[string]any{"protocols": []int{1}})
	next()

	// Pairing: the code on the terminal is the code the page got.
	send(2, "pair", nil)
	n := next()
	var pairing struct{ Code string }
	json.Unmarshal(n.Params, &pairing)
	if n.Method != "pairing" || pairing.Code == "" {
		t.Fatalf("pairing notification %+v", n)
	}
	pos := screen.waitFor(t, "Allow this site?", 0)
	if !strings.Contains(screen.text.String(), pairing.Code) || !strings.Contains(screen.text.String(), origin) {
		t.Fatalf("terminal:\n%s", screen.text.String())
	}
	master.WriteString("y\n")
	if m := next(); m.Error != nil {
		t.Fatalf("pair: %s", m.Error)
	}

	// Sign: confirm, then the PIN.
	doc := []byte("Заявление о регистрации")
	send(3, "sign", map[string]any{"certificate": pkcs11.CertificateID(key.CertDER), "data": doc, "description": "Заявление ООО Ромашка"})
	pos = screen.waitFor(t, "Sign? ", pos)
	if !strings.Contains(screen.text.String(), "Заявление ООО Ромашка") {
		t.Fatalf("terminal:\n%s", screen.text.String())
	}
	master.WriteString("y\n")
	pos = screen.waitFor(t, "(empty to cancel): ", pos)
	master.WriteString(provision.UserPIN + "\n")
	m := next()
	if m.Error != nil {
		t.Fatalf("sign: %s", m.Error)
	}
	var r struct{ Signature []byte }
	json.Unmarshal(m.Result, &r)
	sigFile, docFile := filepath.Join(dir, "s.p7s"), filepath.Join(dir, "doc")
	os.WriteFile(sigFile, r.Signature, 0o600)
	os.WriteFile(docFile, doc, 0o600)
	osslref.Run(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", docFile,
		"-CAfile", key.CertPEM, "-partial_chain", "-purpose", "any", "-out", "/dev/null")
	time.Sleep(50 * time.Millisecond)
	screen.mu.Lock()
	text := screen.text.String()
	screen.mu.Unlock()
	if strings.Contains(text, provision.UserPIN) {
		t.Fatalf("the PIN was echoed:\n%s", text)
	}
	_ = pos
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	logText, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("no log file: %v", err)
	}
	for _, want := range []string{"serve started", "PKCS#11 module loaded", module} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("the log file lacks %q:\n%s", want, logText)
		}
	}
	if strings.Contains(string(logText), provision.UserPIN) {
		t.Fatalf("the log file holds the PIN:\n%s", logText)
	}
}
