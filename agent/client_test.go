package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/localchan"
)

const portalOrigin = "https://portal.example"

// testServer is a real agent on a loopback port.
type testServer struct {
	srv         *agent.Server
	addr        string // 127.0.0.1:PORT
	port        int
	source      *fakeSource
	prompter    *fakePrompter
	journalPath string
	approvals   *agent.Approvals
	sock        string // the local channel
	log         *bytes.Buffer
	logMu       *sync.Mutex
}

type serverOpt func(*agent.Options)

func startServer(t *testing.T, src *fakeSource, pr *fakePrompter, opts ...serverOpt) *testServer {
	return startServerB(t, src, pr, opts...)
}

func startServerB(t testing.TB, src *fakeSource, pr *fakePrompter, opts ...serverOpt) *testServer {
	t.Helper()
	dir := t.TempDir()
	cfg := agent.Config{Origins: []string{portalOrigin}, DevOrigins: []string{"http://127.0.0.1:8080"}}
	jpath := filepath.Join(dir, "journal.log")
	j, err := journal.Open(jpath)
	if err != nil {
		t.Fatal(err)
	}
	appr, err := agent.OpenApprovals(filepath.Join(dir, "approvals.json"))
	if err != nil {
		t.Fatal(err)
	}
	logBuf, logMu := &bytes.Buffer{}, &sync.Mutex{}
	logger := slog.New(slog.NewTextHandler(lockedWriter{logBuf, logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o := agent.Options{Config: cfg, Tokens: src, Prompter: pr, Journal: j, Approvals: appr, Log: logger, Version: "test"}
	for _, f := range opts {
		f(&o)
	}
	srv, err := agent.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// A short folder of its own: Unix socket paths are short.
	sockDir, err := os.MkdirTemp("", "zvl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, localchan.PagesSocket)
	lln, err := localchan.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() { done <- srv.Serve(ln) }()
	go func() { done <- srv.ServeLocal(lln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		}
		j.Close()
	})
	return &testServer{srv: srv, addr: ln.Addr().String(), port: ln.Addr().(*net.TCPAddr).Port,
		source: src, prompter: pr, journalPath: jpath, approvals: appr, sock: sock, log: logBuf, logMu: logMu}
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (ts *testServer) logText() string {
	ts.logMu.Lock()
	defer ts.logMu.Unlock()
	return ts.log.String()
}

// rpcErr is an error object as a page sees it.
type rpcErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    struct {
		Reason    string `json:"reason"`
		TriesLeft *int   `json:"triesLeft"`
		Upload    string `json:"upload"`
	} `json:"data"`
}

type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   *rpcErr         `json:"error"`
}

// client is a page: one websocket or one session of the local channel,
// requests in flight matched by id, notifications collected.
type client struct {
	t       testing.TB
	ws      *websocket.Conn // nil over the local channel
	wire    pageWire
	wmu     sync.Mutex
	mu      sync.Mutex
	nextID  int
	waiting map[string]chan message
	nullID  chan message
	notes   chan message
	closed  chan struct{}
	readErr error
}

// dial opens a page session with the given origin over the transport
// under test: a websocket with that Origin ("" sends none), or a session
// of the local channel as the native messaging host opens it.
func dial(t testing.TB, ts *testServer, origin string) *client {
	t.Helper()
	if transportUnderTest == overLocal {
		c, err := dialLocal(ts.sock, origin)
		if err != nil {
			t.Fatalf("local session for %q: %v", origin, err)
		}
		return c.start(t)
	}
	c, resp, err := dialRaw(ts.addr, origin, "")
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial with origin %q: %v (HTTP %d)", origin, err, status)
	}
	return c.start(t)
}

func dialRaw(addr, origin, host string) (*client, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	if host != "" {
		h.Set("Host", host)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, resp, err := d.Dial("ws://"+addr+"/", h)
	if err != nil {
		return nil, resp, err
	}
	return newClient(ws, ws), resp, nil
}

func newClient(ws *websocket.Conn, w pageWire) *client {
	return &client{ws: ws, wire: w, waiting: map[string]chan message{}, notes: make(chan message, 1024), nullID: make(chan message, 16), closed: make(chan struct{})}
}

func (c *client) start(t testing.TB) *client {
	c.t = t
	go c.readLoop()
	t.Cleanup(func() { c.wire.Close() })
	return c
}

// close ends the session from the page's side without a close status,
// as a page that goes away does.
func (c *client) close() { c.wire.Close() }

func (c *client) readLoop() {
	defer close(c.closed)
	for {
		_, data, err := c.wire.ReadMessage()
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			c.mu.Unlock()
			return
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			c.t.Errorf("agent sent bad JSON %q: %v", data, err)
			return
		}
		if m.JSONRPC != "2.0" {
			c.t.Errorf("agent sent jsonrpc %q", m.JSONRPC)
		}
		if m.Method != "" {
			c.notes <- m
			continue
		}
		if string(m.ID) == "null" {
			c.nullID <- m
			continue
		}
		c.mu.Lock()
		ch := c.waiting[string(m.ID)]
		delete(c.waiting, string(m.ID))
		c.mu.Unlock()
		if ch == nil {
			c.t.Errorf("response to an unknown id %s: %s", m.ID, data)
			continue
		}
		ch <- m
	}
}

// send writes a raw message.
func (c *client) send(data []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.wire.WriteMessage(websocket.TextMessage, data); err != nil {
		c.mu.Lock()
		rerr := c.readErr
		c.mu.Unlock()
		c.t.Fatalf("write: %v (read: %v) %.300s", err, rerr, data)
	}
}

// start sends a request and returns its id and the channel of its answer.
func (c *client) startCall(method string, params any) (string, chan message) {
	c.mu.Lock()
	c.nextID++
	id := strconv.Itoa(c.nextID)
	ch := make(chan message, 1)
	c.waiting[id] = ch
	c.mu.Unlock()
	req := map[string]any{"jsonrpc": "2.0", "id": c.nextIDNum(id), "method": method}
	if params != nil {
		req["params"] = params
	}
	data, err := json.Marshal(req)
	if err != nil {
		c.t.Fatal(err)
	}
	c.send(data)
	return id, ch
}

func (c *client) nextIDNum(id string) int { n, _ := strconv.Atoi(id); return n }

// wait waits for an answer.
func (c *client) wait(ch chan message) message {
	c.t.Helper()
	select {
	case m := <-ch:
		return m
	case <-c.closed:
		c.t.Fatalf("connection closed while waiting: %v", c.readErr)
	case <-time.After(20 * time.Second):
		c.t.Fatal("no answer in 20s")
	}
	return message{}
}

// call sends a request and decodes its result into out; it returns the
// error object, nil on success.
func (c *client) call(method string, params, out any) *rpcErr {
	c.t.Helper()
	_, ch := c.startCall(method, params)
	m := c.wait(ch)
	if m.Error != nil {
		if m.Result != nil {
			c.t.Errorf("%s: both result and error", method)
		}
		return m.Error
	}
	if out != nil {
		if err := json.Unmarshal(m.Result, out); err != nil {
			c.t.Fatalf("%s: result %s: %v", method, m.Result, err)
		}
	}
	return nil
}

// mustCall is call that fails the test on an error.
func (c *client) mustCall(method string, params, out any) {
	c.t.Helper()
	if e := c.call(method, params, out); e != nil {
		c.t.Fatalf("%s: error %d %s", method, e.Code, e.Data.Reason)
	}
}

// hello does the version handshake and returns whether the origin is
// approved.
func (c *client) hello() bool {
	c.t.Helper()
	var r struct {
		Protocol int  `json:"protocol"`
		Approved bool `json:"approved"`
	}
	c.mustCall("hello", map[string]any{"protocols": []int{1}}, &r)
	if r.Protocol != 1 {
		c.t.Fatalf("hello: protocol %d", r.Protocol)
	}
	return r.Approved
}

// note waits for a notification of the given method.
func (c *client) note(method string) message {
	c.t.Helper()
	for {
		select {
		case m := <-c.notes:
			if m.Method == method {
				return m
			}
		case <-time.After(20 * time.Second):
			c.t.Fatalf("no %s notification in 20s", method)
		}
	}
}

// wantErr checks an error's code and reason.
func wantErr(t testing.TB, what string, e *rpcErr, code agent.Code) {
	t.Helper()
	if e == nil {
		t.Fatalf("%s: succeeded, want error %d %s", what, code, code.Reason())
	}
	if e.Code != int(code) || e.Data.Reason != code.Reason() {
		t.Fatalf("%s: error %d %q, want %d %q", what, e.Code, e.Data.Reason, code, code.Reason())
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// drain drops the notifications received so far.
func (c *client) drain() {
	for {
		select {
		case <-c.notes:
		default:
			return
		}
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
