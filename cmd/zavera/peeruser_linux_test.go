package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/internal/otheruser"
)

const (
	// rangeClientEnv makes TestRangeClientProcess a page's process: it
	// looks for its user's agent in the range from that port.
	rangeClientEnv = "ZAVERA_TEST_RANGE_CLIENT"
	peerTestOrigin = "https://portal.example"
)

// TestRangeClientProcess is the other user's page process of
// TestTwoUsersEachReachTheirOwnAgent; alone it does nothing.
func TestRangeClientProcess(t *testing.T) {
	first, err := strconv.Atoi(os.Getenv(rangeClientEnv))
	if err != nil {
		t.Skip("run by TestTwoUsersEachReachTheirOwnAgent")
	}
	trace, cert, err := rangeClient(first)
	for _, l := range trace {
		fmt.Println("trace", l)
	}
	if err != nil {
		fmt.Println("error", err)
		return
	}
	fmt.Println("cert", base64.StdEncoding.EncodeToString(cert))
}

// rangeClient does what a page does: it tries the ports of the range in
// order, moves on when nothing listens or an agent closes with
// ClosePeerRefused, and lists the certificates of the first agent that
// answers hello. It returns what happened on each port and the first
// certificate (DER).
func rangeClient(first int) (trace []string, cert []byte, err error) {
	for p := first; p < first+agent.PortRange; p++ {
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
		ws, _, err := d.Dial(fmt.Sprintf("ws://127.0.0.1:%d/", p), http.Header{"Origin": {peerTestOrigin}})
		if err != nil {
			trace = append(trace, fmt.Sprintf("%d no agent", p))
			continue
		}
		ws.SetReadDeadline(time.Now().Add(20 * time.Second))
		call := func(id int, method string, params any, out any) error {
			req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
			if err := ws.WriteMessage(websocket.TextMessage, req); err != nil {
				return err
			}
			_, data, err := ws.ReadMessage()
			if err != nil {
				return err
			}
			var m struct {
				Result json.RawMessage
				Error  json.RawMessage
			}
			if err := json.Unmarshal(data, &m); err != nil || m.Error != nil {
				return fmt.Errorf("%s: %s", method, data)
			}
			return json.Unmarshal(m.Result, out)
		}
		var hello struct{ Protocol int }
		err = call(1, "hello", map[string]any{"protocols": []int{1}}, &hello)
		if websocket.IsCloseError(err, agent.ClosePeerRefused) {
			trace = append(trace, fmt.Sprintf("%d closed %d", p, agent.ClosePeerRefused))
			ws.Close()
			continue
		}
		if err != nil {
			ws.Close()
			return trace, nil, fmt.Errorf("port %d: %w", p, err)
		}
		trace = append(trace, fmt.Sprintf("%d hello", p))
		var certs struct {
			Certificates []struct{ Certificate []byte }
		}
		err = call(2, "certificates", map[string]any{}, &certs)
		ws.Close()
		if err != nil || len(certs.Certificates) == 0 {
			return trace, nil, fmt.Errorf("port %d: certificates %+v: %v", p, certs, err)
		}
		return trace, certs.Certificates[0].Certificate, nil
	}
	return trace, nil, errors.New("no agent of this user in the range")
}

// freeRange finds agent.PortRange consecutive ports nothing listens on.
func freeRange(t *testing.T) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		first := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if first+agent.PortRange > 65535 {
			continue
		}
		free := true
		for p := first; p < first+agent.PortRange && free; p++ {
			for _, a := range []string{"127.0.0.1", "::1"} {
				l, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(p)))
				if err != nil && a == "127.0.0.1" {
					free = false
					break
				}
				if err == nil {
					l.Close()
				}
			}
		}
		if free {
			return first
		}
	}
	t.Fatal("no free range of ports")
	return 0
}

// startUserAgent starts `zavera serve` as cmd and returns its listening
// address and a function giving its stderr so far.
func startUserAgent(t *testing.T, cmd *exec.Cmd) (addr string, stderr func() string) {
	t.Helper()
	var mu sync.Mutex
	var errBuf strings.Builder
	cmd.Stderr = lockedBuilder{&errBuf, &mu}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	stderr = func() string { mu.Lock(); defer mu.Unlock(); return errBuf.String() }
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
	}()
	select {
	case l, ok := <-lines:
		f := strings.Fields(strings.TrimPrefix(l, "zavera: listening on "))
		if !ok || len(f) == 0 || !strings.HasPrefix(f[0], "ws://127.0.0.1:") {
			cmd.Wait()
			t.Fatalf("first line %q\n%s", l, stderr())
		}
		return strings.TrimPrefix(f[0], "ws://"), stderr
	case <-time.After(30 * time.Second):
		t.Fatalf("agent did not start: %s", stderr())
	}
	return "", nil
}

func certDER(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	return blk.Bytes
}

// Two users of one computer run their agents with the same configured
// port: the second user's agent finds the port held by the first user's,
// names that user, and listens on the next port of the range. Each
// user's page process, trying the range in order, reaches its own user's
// agent: the first user's on the first port; the second user's is
// refused there with ClosePeerRefused and answered on the next.
func TestTwoUsersEachReachTheirOwnAgent(t *testing.T) {
	u := otheruser.Create(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	bin := u.Share(t, agentBinary(t, "zavera_script"))
	first := freeRange(t)
	port := strconv.Itoa(first)

	// This user's agent.
	dir := t.TempDir()
	keyA, certA := agentKey(t, dir)
	cfgA := filepath.Join(dir, "config.json")
	os.WriteFile(cfgA, []byte(`{"origins": ["`+peerTestOrigin+`"]}`), 0o600)
	cmdA := exec.Command(bin, "serve", "--headless", "--port", port, "--config", cfgA, "--key", keyA, "--cert", certA)
	cmdA.Env = append(os.Environ(), "ZAVERA_SCRIPT_APPROVE=1")
	addrA, _ := startUserAgent(t, cmdA)
	if addrA != "127.0.0.1:"+port {
		t.Fatalf("first agent on %s, want port %s", addrA, port)
	}

	// The other user's agent, its key, configuration and state in its
	// home.
	kdir := t.TempDir()
	keyTmp, certTmp := agentKey(t, kdir)
	readOrFail := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	keyB := u.WriteFile(t, "key.pem", readOrFail(keyTmp))
	certB := u.WriteFile(t, "cert.pem", readOrFail(certTmp))
	cfgB := u.WriteFile(t, "config.json", []byte(`{"origins": ["`+peerTestOrigin+`"]}`))
	cmdB := u.Command(bin, "serve", "--headless", "--port", port, "--config", cfgB, "--key", keyB, "--cert", certB)
	cmdB.Env = append(cmdB.Env, "ZAVERA_SCRIPT_APPROVE=1")
	addrB, stderrB := startUserAgent(t, cmdB)
	if want := "127.0.0.1:" + strconv.Itoa(first+1); addrB != want {
		t.Fatalf("second user's agent on %s, want %s\n%s", addrB, want, stderrB())
	}
	if s := stderrB(); !strings.Contains(s, fmt.Sprintf("port %d is held by a process of another user of this computer, %s", first, me.Username)) ||
		strings.Contains(s, "already running") {
		t.Fatalf("second user's agent did not name the first user:\n%s", s)
	}

	// This user's page.
	trace, cert, err := rangeClient(first)
	if err != nil {
		t.Fatalf("this user's page: %v (%v)", err, trace)
	}
	if !bytes.Equal(cert, certDER(t, certA)) || len(trace) != 1 {
		t.Fatalf("this user's page reached the wrong agent: %v", trace)
	}

	// The other user's page, in a process of that user.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := u.Command(u.Share(t, exe), "-test.run=^TestRangeClientProcess$", "-test.count=1")
	cmd.Env = append(cmd.Env, rangeClientEnv+"="+port)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("other user's page: %v\n%s", err, out)
	}
	text := string(out)
	wantTrace := []string{fmt.Sprintf("trace %d closed %d", first, agent.ClosePeerRefused), fmt.Sprintf("trace %d hello", first+1)}
	for _, w := range wantTrace {
		if !strings.Contains(text, w) {
			t.Fatalf("other user's page: want %q in\n%s", w, text)
		}
	}
	if !strings.Contains(text, "cert "+base64.StdEncoding.EncodeToString(certDER(t, certB))) {
		t.Fatalf("other user's page did not reach its own agent:\n%s", text)
	}

	// The doctor of this user names the other user holding the next port
	// and finds its own agent on the first.
	t.Setenv("ZAVERA_PKCS11_MODULES", "")
	home := t.TempDir()
	code, jsonOut, errOut := runCmd(t, nil, "doctor", "--json", "--no-discovery", "--config", cfgA, "--port", port, "--home", home, "--root", home)
	var r struct {
		Agent struct {
			Port    int
			Answers bool
		}
		Ports []struct {
			Port         int
			State, Owner string
		}
	}
	if err := json.Unmarshal([]byte(jsonOut), &r); err != nil {
		t.Fatalf("doctor: exit %d, %v\n%s\n%s", code, err, jsonOut, errOut)
	}
	if len(r.Ports) != agent.PortRange || r.Ports[0].State != "zavera" || r.Ports[1].State != "other user" ||
		!strings.Contains(r.Ports[1].Owner, u.Name) || r.Ports[2].State != "free" {
		t.Fatalf("doctor's ports: %+v", r.Ports)
	}
	if !r.Agent.Answers || r.Agent.Port != first {
		t.Fatalf("doctor's agent: %+v", r.Agent)
	}
	_, report, _ := runCmd(t, nil, "doctor", "--no-discovery", "--config", cfgA, "--port", port, "--home", home, "--root", home)
	if want := fmt.Sprintf("Port %d: held by a process of another user, %s", first+1, u.Name); !strings.Contains(report, want) {
		t.Fatalf("doctor's report lacks %q:\n%s", want, report)
	}
}

// Without an IPv6 loopback (here: a network namespace of its own, where
// [::1] does not exist) serve warns on stderr and listens on 127.0.0.1.
func TestServeWarnsWithoutIPv6(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a network namespace without IPv6 needs root")
	}
	bin := agentBinary(t, "zavera_script")
	dir := t.TempDir()
	keyFile, certFile := agentKey(t, dir)
	cmd := exec.Command(bin, "serve", "--headless", "--port", "0", "--config", filepath.Join(dir, "c.json"), "--key", keyFile, "--cert", certFile)
	cmd.Env = append(os.Environ(), "ZAVERA_SCRIPT_APPROVE=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Cloneflags: syscall.CLONE_NEWNET}
	addr, stderr := startUserAgent(t, cmd)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("listening on %s", addr)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr(), "no IPv6 loopback listener") {
		if time.Now().After(deadline) {
			t.Fatalf("no warning about IPv6 on stderr:\n%s", stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
