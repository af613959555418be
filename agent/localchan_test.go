package agent_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/localchan"
)

// localClient opens a local session and does hello.
func localClient(t *testing.T, ts *testServer, origin string) *client {
	t.Helper()
	c, err := dialLocal(ts.sock, origin)
	if err != nil {
		t.Fatal(err)
	}
	return c.start(t)
}

// rawLocal writes a message frame that announces declared bytes and
// carries payload, which may be shorter.
func (c *client) rawLocal(payload []byte, declared int) error {
	h := []byte{localchan.KindMessage}
	h = binary.BigEndian.AppendUint32(h, uint32(declared))
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.wire.(*localWire).c.Conn.Write(append(h, payload...))
	return err
}

// The message limits of the websocket hold on the local channel: before
// approval a message announcing more than the small limit is refused
// from its header with 1009, after approval the large limit holds, and a
// message over it is refused alike.
func TestLocalMessageLimits(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), limits(func(l *agent.Limits) { l.MaxMessageBytes = 64 << 10 }))
	part := append([]byte(`{"jsonrpc":"2.0","id":9,"method":"pair","params":{"x":"`), bytes.Repeat([]byte("A"), 4<<10)...)

	c := localClient(t, ts, "https://stranger.example")
	if c.hello() {
		t.Fatal("a new origin is approved")
	}
	c.rawLocal(part, 32<<10)
	if code := closeCode(t, c); code != websocket.CloseMessageTooBig {
		t.Fatalf("before approval: closed with %d, want 1009", code)
	}

	c = localClient(t, ts, portalOrigin)
	c.hello()
	wantErr(t, "under the limit", c.call("sign", map[string]any{"certificate": "x", "data": strings.Repeat("A", 60<<10)}, nil), agent.CodeCertificateNotFound)
	c.rawLocal(part, 100<<10)
	if code := closeCode(t, c); code != websocket.CloseMessageTooBig {
		t.Fatalf("approved: closed with %d, want 1009", code)
	}
	if !strings.Contains(ts.logText(), "message over the limit") {
		t.Fatal("no log line")
	}
	localClient(t, ts, portalOrigin).mustCall("hello", map[string]any{"protocols": []int{1}}, nil)
}

// Messages that have started but not arrived hold the memory budget;
// sessions whose messages find no room are closed with 1013.
func TestLocalMessageBudget(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), limits(func(l *agent.Limits) {
		l.MaxMessageBytes = 256 << 10
		l.MaxUnapprovedMessageBytes = 256 << 10
		l.MaxBufferedBytes = 1 << 20
	}))
	var cs []*client
	for i := range 6 {
		c := localClient(t, ts, fmt.Sprintf("https://s%d.example", i))
		c.hello()
		c.rawLocal([]byte(`{"jsonrpc":"2.0",`), 250<<10)
		cs = append(cs, c)
	}
	deadline := time.After(10 * time.Second)
	for {
		refused := 0
		for _, c := range cs {
			if !isOpen(c) {
				if code := closeCode(t, c); code != websocket.CloseTryAgainLater {
					t.Fatalf("closed with %d, want 1013", code)
				}
				refused++
			}
		}
		if refused > 0 {
			break
		}
		select {
		case <-deadline:
			t.Fatal("six messages of 250 KiB held in a budget of 512 KiB for origins not approved")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// A message must arrive within MessageTimeout; a session of an origin
// that is not approved and does nothing is closed; both with 1008.
func TestLocalSlowAndIdleClosed(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), limits(func(l *agent.Limits) {
		l.MessageTimeout = agent.Duration(300 * time.Millisecond)
		l.UnapprovedIdle = agent.Duration(300 * time.Millisecond)
	}))
	slow := localClient(t, ts, portalOrigin)
	slow.hello()
	slow.rawLocal([]byte(`{"jsonrpc":"2.0",`), 1000)
	if code := closeCode(t, slow); code != websocket.ClosePolicyViolation {
		t.Fatalf("slow message: closed with %d, want 1008", code)
	}
	idle := localClient(t, ts, "https://idle.example")
	idle.hello()
	if code := closeCode(t, idle); code != websocket.ClosePolicyViolation {
		t.Fatalf("idle session: closed with %d, want 1008", code)
	}
	approved := localClient(t, ts, portalOrigin)
	approved.hello()
	time.Sleep(500 * time.Millisecond)
	approved.mustCall("info", nil, nil)
}

// The origin of a local session passes the same policy as a websocket's:
// an http origin that is not a development origin is refused before
// anything is read, and so is a session that names none.
func TestLocalOriginPolicy(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa), pr)
	for _, origin := range []string{"http://portal.example", "https://portal.example/path", "null", "chrome-extension://abc"} {
		c := localClient(t, ts, origin)
		if code := closeCode(t, c); code != websocket.ClosePolicyViolation {
			t.Fatalf("%s: closed with %d, want 1008", origin, code)
		}
	}
	// No open frame at all: a message straight away.
	nc, err := net.Dial("unix", ts.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	lc := localchan.New(nc)
	lc.WriteFrame(localchan.KindMessage, []byte(`{"jsonrpc":"2.0","id":1,"method":"info"}`), time.Now().Add(time.Second))
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := nc.Read(make([]byte, 64)); err == nil {
		t.Fatalf("a session without an origin got %d bytes", n)
	}
	if o, s, pins, _ := pr.snapshot(); len(o)+len(s)+len(pins) != 0 {
		t.Fatal("the user was prompted")
	}
	// The development origin connects.
	localClient(t, ts, "http://127.0.0.1:8080").hello()
}

// A local session is a connection of its origin for the per-origin
// shares: an origin that is not approved holds one, whichever transport
// it came by.
func TestLocalSessionsShareWithWebsockets(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), limits(func(l *agent.Limits) { l.MaxConnections = 16 }))
	localClient(t, ts, "https://flood.example").hello()
	if _, resp, err := dialRaw(ts.addr, "https://flood.example", ""); err == nil || resp == nil || resp.StatusCode != 503 {
		t.Fatalf("a websocket beside the origin's local session: %v", err)
	}
	c := localClient(t, ts, "https://flood.example")
	if code := closeCode(t, c); code != websocket.CloseTryAgainLater {
		t.Fatalf("a second local session: closed with %d, want 1013", code)
	}
}

// Another user's process is refused even where the socket's permissions
// would let it connect: the agent reads the peer's uid.
func TestLocalOtherUserRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a process as another user")
	}
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no python3 for the other user's client")
	}
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter())
	// Open the way on purpose: only the uid check is left.
	os.Chmod(filepath.Dir(ts.sock), 0o755)
	os.Chmod(ts.sock, 0o777)
	script := `import socket,struct,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
o=b"https://portal.example"
m=b'{"jsonrpc":"2.0","id":1,"method":"hello","params":{"protocols":[1]}}'
d=b""
try:
    s.sendall(b"O"+struct.pack(">I",len(o))+o+b"M"+struct.pack(">I",len(m))+m)
    d=s.recv(100)
except (ConnectionResetError, BrokenPipeError): pass
print("got", len(d))`
	cmd := exec.Command(py, "-c", script, ts.sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("other user's client: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != "got 0" {
		t.Fatalf("another user's process was answered: %s", out)
	}
	if !strings.Contains(ts.logText(), "refused local session: not this user's process") {
		t.Fatal("no log line")
	}
}
