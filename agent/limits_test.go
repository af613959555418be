package agent_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
)

func limits(f func(*agent.Limits)) serverOpt {
	return func(o *agent.Options) { f(&o.Config.Limits) }
}

// Malformed, mistyped and unknown requests get a clear error and the
// connection stays usable.
func TestBadInput(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter())
	c := approvedClient(t, ts)
	cases := []struct {
		msg  string
		id   string // "" when the answer has id null
		code agent.Code
	}{
		{`not json`, "", agent.CodeParseError},
		{`{"jsonrpc":"2.0","id":1,"method":"info"`, "", agent.CodeParseError},
		{`[{"jsonrpc":"2.0","id":1,"method":"info"}]`, "", agent.CodeInvalidRequest},
		{`"info"`, "", agent.CodeInvalidRequest},
		{`{"jsonrpc":"2.0","method":"info"}`, "", agent.CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":{"a":1},"method":"info"}`, "", agent.CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":null,"method":"info"}`, "", agent.CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":"` + strings.Repeat("x", 200) + `","method":"info"}`, "", agent.CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":"info","extra":true}`, "", agent.CodeInvalidRequest},
		{`{"jsonrpc":"1.0","id":101,"method":"info"}`, "101", agent.CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":102}`, "102", agent.CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":103,"method":"nope"}`, "103", agent.CodeMethodNotFound},
		{`{"jsonrpc":"2.0","id":104,"method":"sign","params":[1,2]}`, "104", agent.CodeInvalidParams},
		{`{"jsonrpc":"2.0","id":105,"method":"sign","params":{"certificate":5}}`, "105", agent.CodeInvalidParams},
		{`{"jsonrpc":"2.0","id":106,"method":"sign","params":{"certificate":"x","data":"eA==","pin":"1234"}}`, "106", agent.CodeInvalidParams},
		{`{"jsonrpc":"2.0","id":"s7","method":"signBatch","params":{"certificate":"x","documents":"many"}}`, `"s7"`, agent.CodeInvalidParams},
		{`{"jsonrpc":"2.0","id":108,"method":"hello","params":{"protocols":[99]}}`, "108", agent.CodeInvalidParams},
		{`{"jsonrpc":"2.0","id":109,"method":"cancel","params":{"id":[1]}}`, "109", agent.CodeInvalidParams},
	}
	for _, tc := range cases {
		c.mu.Lock()
		var ch chan message
		if tc.id != "" {
			ch = make(chan message, 1)
			c.waiting[tc.id] = ch
		}
		c.mu.Unlock()
		c.send([]byte(tc.msg))
		var m message
		if ch != nil {
			m = c.wait(ch)
		} else {
			select {
			case m = <-c.nullID:
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: no answer", tc.msg)
			}
		}
		if m.Result != nil {
			t.Fatalf("%.60s: result %s", tc.msg, m.Result)
		}
		wantErr(t, fmt.Sprintf("%.60s", tc.msg), m.Error, tc.code)
		// Still usable.
		c.mustCall("tokens", nil, nil)
	}
	// A binary message.
	c.wmu.Lock()
	c.ws.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2})
	c.wmu.Unlock()
	select {
	case m := <-c.nullID:
		wantErr(t, "binary", m.Error, agent.CodeInvalidRequest)
	case <-time.After(10 * time.Second):
		t.Fatal("no answer to a binary message")
	}
	c.mustCall("tokens", nil, nil)
	// Error messages carry no internal detail.
	if e := c.call("sign", map[string]any{"certificate": "/etc/passwd", "data": "eA=="}, nil); e == nil || strings.Contains(e.Message, "passwd") {
		t.Fatalf("error leaks detail: %+v", e)
	}
}

// A frame over the limit closes the connection with 1009; the agent keeps
// serving.
func TestOversizedMessage(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), limits(func(l *agent.Limits) { l.MaxMessageBytes = 64 << 10 }))
	c := approvedClient(t, ts)
	big := `{"jsonrpc":"2.0","id":1,"method":"sign","params":{"certificate":"x","data":"` + strings.Repeat("A", 100<<10) + `"}}`
	// The agent may refuse the frame from its header and close before the
	// page has written it all, so the write may fail.
	c.wmu.Lock()
	c.ws.WriteMessage(websocket.TextMessage, []byte(big))
	c.wmu.Unlock()
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("connection not closed")
	}
	c.mu.Lock()
	err := c.readErr
	c.mu.Unlock()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("closed with %v, want 1009", err)
	}
	c2 := approvedClient(t, ts)
	c2.mustCall("info", nil, nil)
	// Just under the limit is fine (and a clear error for the bad data).
	wantErr(t, "under limit", c2.call("sign", map[string]any{"certificate": "x", "data": strings.Repeat("A", 60<<10)}, nil), agent.CodeCertificateNotFound)
}

func TestInFlightLimit(t *testing.T) {
	p := getPKI(t)
	src := newFakeSource(p.ecdsa)
	src.block = make(chan struct{})
	ts := startServer(t, src, newFakePrompter(), limits(func(l *agent.Limits) { l.MaxInFlight = 2 }))
	c := approvedClient(t, ts)
	_, ch1 := c.startCall("tokens", nil)
	_, ch2 := c.startCall("tokens", nil)
	time.Sleep(50 * time.Millisecond)
	wantErr(t, "third", c.call("tokens", nil, nil), agent.CodeBusy)
	// Inline methods still answer.
	c.mustCall("info", nil, nil)
	close(src.block)
	for _, ch := range []chan message{ch1, ch2} {
		if m := c.wait(ch); m.Error != nil {
			t.Fatalf("blocked call: %+v", m.Error)
		}
	}
	c.mustCall("tokens", nil, nil)
}

// A page that keeps exactly MaxInFlight requests going, sending the next
// one as soon as an answer arrives, is never told it has too many: a
// request's place is free before its answer is written.
func TestInFlightLimitKeptFull(t *testing.T) {
	p := getPKI(t)
	const limit, rounds = 2, 3000
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), limits(func(l *agent.Limits) { l.MaxInFlight = limit }))
	c := approvedClient(t, ts)
	chs := make(chan chan message, limit)
	for range limit {
		_, ch := c.startCall("tokens", nil)
		chs <- ch
	}
	for i := range rounds {
		m := c.wait(<-chs)
		if m.Error != nil {
			t.Fatalf("request %d with %d in flight: %d %s", i, limit, m.Error.Code, m.Error.Data.Reason)
		}
		if i < rounds-limit {
			_, ch := c.startCall("tokens", nil)
			chs <- ch
		}
	}
}

func TestConnectionLimit(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), limits(func(l *agent.Limits) { l.MaxConnections = 3 }))
	for range 3 {
		approvedClient(t, ts)
	}
	_, resp, err := dialRaw(ts.addr, portalOrigin, "")
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("fourth connection: %v %v", err, resp)
	}
}

// One prompt per origin at a time: the origin's other requests wait their
// turn (a bounded number of them); other origins prompt meanwhile;
// cancelling a request or closing its page ends its prompt.
func TestOnePromptPerOrigin(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.hang = true
	pr.started = make(chan string, 10)
	ts := startServer(t, newFakeSource(p.ecdsa), pr, func(o *agent.Options) {
		o.Config.Origins = append(o.Config.Origins, "https://other.example")
		o.Config.Limits.MaxInFlight = 2
		o.Config.Limits.CancelsBeforeCooldown = 100 // prompts ended by closing pages count as refusals
	})
	noPrompt := func(what string) {
		t.Helper()
		select {
		case got := <-pr.started:
			t.Fatalf("%s: a prompt (%s) opened", what, got)
		case <-time.After(100 * time.Millisecond):
		}
	}
	c := approvedClient(t, ts)
	id := certID(p.ecdsa.cert)
	sign := map[string]any{"certificate": id, "data": "eA==", "description": "first"}
	reqID, ch := c.startCall("sign", sign)
	if got := <-pr.started; got != "confirm" {
		t.Fatalf("prompt %s", got)
	}
	// The same origin from another page waits.
	c2 := approvedClient(t, ts)
	_, ch2 := c2.startCall("signChallenge", map[string]any{"certificate": id, "nonce": make([]byte, 16)})
	noPrompt("second request of the origin")
	// Another origin may prompt at the same time.
	c3 := dial(t, ts, "https://other.example")
	c3.hello()
	c3.startCall("sign", sign)
	<-pr.started
	// Cancel the first: the second's prompt opens.
	c.mustCall("cancel", map[string]any{"id": c.nextIDNum(reqID)}, nil)
	wantErr(t, "cancelled", c.wait(ch).Error, agent.CodeCancelled)
	if got := <-pr.started; got != "confirm" {
		t.Fatalf("prompt %s", got)
	}
	// Two more wait (the limit is MaxInFlight, 2); a third is refused.
	c4 := approvedClient(t, ts)
	c4.startCall("sign", sign)
	c4.startCall("sign", sign)
	time.Sleep(50 * time.Millisecond)
	c5 := approvedClient(t, ts)
	wantErr(t, "too many waiting", c5.call("sign", sign, nil), agent.CodeBusy)
	// Closing the pages ends their prompts and frees the slot.
	c2.close()
	c4.close()
	c3.close()
	select {
	case <-ch2:
		t.Fatal("answer after close")
	case <-time.After(50 * time.Millisecond):
	}
	pr.mu.Lock()
	pr.hang = false
	pr.mu.Unlock()
	c6 := approvedClient(t, ts)
	deadline := time.Now().Add(5 * time.Second)
	for {
		e := c6.call("sign", sign, nil)
		if e == nil {
			break
		}
		if e.Data.Reason != "busy" || time.Now().After(deadline) {
			t.Fatalf("after the pages closed: %+v", e)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCooldownAndTimeout(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.confirm = func(agent.SigningRequest) error { return agent.ErrCancelled }
	ts := startServer(t, newFakeSource(p.ecdsa), pr, limits(func(l *agent.Limits) {
		l.CancelsBeforeCooldown = 3
		l.Cooldown = agent.Duration(time.Hour)
		l.PromptTimeout = agent.Duration(100 * time.Millisecond)
	}))
	c := approvedClient(t, ts)
	sign := map[string]any{"certificate": certID(p.ecdsa.cert), "data": "eA=="}
	for i := range 3 {
		wantErr(t, fmt.Sprint("refusal ", i), c.call("sign", sign, nil), agent.CodeCancelled)
	}
	wantErr(t, "during cool-down", c.call("sign", sign, nil), agent.CodeBusy)
	if _, s, _, _ := pr.snapshot(); len(s) != 3 {
		t.Fatalf("prompted %d times, want 3", len(s))
	}

	// A prompt nobody answers times out as cancelled.
	pr2 := newFakePrompter()
	pr2.hang = true
	ts2 := startServer(t, newFakeSource(p.ecdsa), pr2, limits(func(l *agent.Limits) { l.PromptTimeout = agent.Duration(100 * time.Millisecond) }))
	c2 := approvedClient(t, ts2)
	start := time.Now()
	wantErr(t, "timeout", c2.call("sign", sign, nil), agent.CodeCancelled)
	if time.Since(start) > 5*time.Second {
		t.Fatal("timeout not applied")
	}
}

func TestPIN(t *testing.T) {
	p := getPKI(t)
	const secret = "987654"
	pr := newFakePrompter()
	src := newFakeSource(p.ecdsa)
	src.pin, src.maxTries, src.triesLeft = secret, 5, 5
	ts := startServer(t, src, pr)
	c := approvedClient(t, ts)
	sign := map[string]any{"certificate": certID(p.ecdsa.cert), "data": "eA=="}

	// Wrong, then right.
	n := 0
	pr.pin = func(r agent.PINRequest) (string, error) {
		n++
		if n == 1 {
			return "0000", nil
		}
		return secret, nil
	}
	c.mustCall("sign", sign, nil)
	_, _, pins, _ := pr.snapshot()
	if len(pins) != 2 || pins[0].Retry || !pins[1].Retry || pins[1].TriesLeft != 4 || pins[1].Token.ID != "tok-1" {
		t.Fatalf("PIN prompts %+v", pins)
	}

	// Wrong three times: pin_incorrect with the tries left.
	pr.pin = func(agent.PINRequest) (string, error) { return "1111", nil }
	e := c.call("sign", sign, nil)
	wantErr(t, "wrong PIN", e, agent.CodePINIncorrect)
	if e.Data.TriesLeft == nil || *e.Data.TriesLeft != 2 {
		t.Fatalf("tries left %v", e.Data.TriesLeft)
	}
	// Two more wrong: locked.
	wantErr(t, "locking", c.call("sign", sign, nil), agent.CodePINLocked)
	wantErr(t, "locked", c.call("sign", sign, nil), agent.CodePINLocked)
	var toks struct{ Tokens []agent.Token }
	c.mustCall("tokens", nil, &toks)
	if !toks.Tokens[0].PINLocked {
		t.Fatal("token not shown as locked")
	}
	// Declining the PIN prompt is a cancellation.
	src.mu.Lock()
	src.triesLeft = 5
	src.mu.Unlock()
	pr.pin = func(agent.PINRequest) (string, error) { return "", agent.ErrCancelled }
	wantErr(t, "no PIN", c.call("sign", sign, nil), agent.CodeCancelled)

	// The PIN is in no log and no journal.
	j, err := os.ReadFile(ts.journalPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(j), secret) || strings.Contains(ts.logText(), secret) || strings.Contains(ts.logText(), "1111") {
		t.Fatal("the PIN leaked into the journal or the log")
	}
}

func TestPINWiped(t *testing.T) {
	pin := agent.NewPIN([]byte("1234"))
	b := pin.Bytes()
	if fmt.Sprint(pin) != "PIN(****)" || fmt.Sprintf("%#v", pin) != "PIN(****)" {
		t.Fatalf("PIN prints as %v", pin)
	}
	pin.Wipe()
	if string(b[:4]) != "\x00\x00\x00\x00" || pin.Len() != 0 {
		t.Fatalf("not wiped: %q", b[:4])
	}
}

// 200 pages at once, each from its own approved origin, each signing.
func TestConcurrentClients(t *testing.T) {
	p := getPKI(t)
	const n = 200
	var origins []string
	for i := range n {
		origins = append(origins, fmt.Sprintf("https://portal-%d.example", i))
	}
	ts := startServer(t, newFakeSource(p.ecdsa, p.leader), newFakePrompter(), func(o *agent.Options) {
		o.Config.Origins = append(o.Config.Origins, origins...)
	})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := http.Header{"Origin": {origins[i]}}
			ws, _, err := websocket.DefaultDialer.Dial("ws://"+ts.addr+"/", h)
			if err != nil {
				errs <- err
				return
			}
			defer ws.Close()
			ask := func(id int, method string, params any) (json.RawMessage, error) {
				req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
				if err := ws.WriteMessage(websocket.TextMessage, req); err != nil {
					return nil, err
				}
				_, data, err := ws.ReadMessage()
				if err != nil {
					return nil, err
				}
				var m message
				if err := json.Unmarshal(data, &m); err != nil {
					return nil, err
				}
				if m.Error != nil || string(m.ID) != fmt.Sprint(id) {
					return nil, fmt.Errorf("%s: %s", method, data)
				}
				return m.Result, nil
			}
			if _, err := ask(1, "hello", map[string]any{"protocols": []int{1}}); err != nil {
				errs <- err
				return
			}
			if _, err := ask(2, "certificates", map[string]any{"filter": map[string]any{"validNow": true}}); err != nil {
				errs <- err
				return
			}
			res, err := ask(3, "sign", map[string]any{"certificate": certID(p.ecdsa.cert), "data": []byte(origins[i])})
			if err != nil {
				errs <- err
				return
			}
			var r signOut
			if err := json.Unmarshal(res, &r); err != nil || len(r.Signature) == 0 {
				errs <- fmt.Errorf("sign: %v", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// wss:// and ws:// on the same port.
func TestTLSOnSamePort(t *testing.T) {
	p := getPKI(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), func(o *agent.Options) {
		o.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}, MinVersion: tls.VersionTLS12}
	})
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	d := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: pool}, HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial("wss://"+ts.addr+"/", http.Header{"Origin": {portalOrigin}})
	if err != nil {
		t.Fatalf("wss: %v", err)
	}
	c := newClient(ws, ws).start(t)
	c.hello()
	c.mustCall("info", nil, nil)
	plain := approvedClient(t, ts)
	plain.mustCall("info", nil, nil)
	// A client that says nothing does not block the others.
	silent, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	approvedClient(t, ts).mustCall("info", nil, nil)
}

// Shutdown closes open pages with 1001 and ends their prompts.
func TestShutdown(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.hang = true
	pr.started = make(chan string, 1)
	ts := startServer(t, newFakeSource(p.ecdsa), pr)
	c := approvedClient(t, ts)
	c.startCall("sign", map[string]any{"certificate": certID(p.ecdsa.cert), "data": "eA=="})
	<-pr.started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-c.closed
	c.mu.Lock()
	err := c.readErr
	c.mu.Unlock()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Fatalf("closed with %v", err)
	}
}

// A token source that logs in at the first signature (as package pkcs11
// does): the PIN is asked then, asked again after a wrong one, and once
// for a whole batch.
func TestPINAtFirstSignature(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	src := newFakeSource(p.ecdsa)
	src.pin, src.lazyLogin = "2468", true
	n := 0
	pr.pin = func(agent.PINRequest) (string, error) {
		n++
		if n == 1 {
			return "1111", nil
		}
		return "2468", nil
	}
	ts := startServer(t, src, pr)
	c := approvedClient(t, ts)
	docs := []map[string]any{{"data": "eA=="}, {"data": "eQ=="}, {"data": "eg=="}}
	var r struct {
		Results []struct {
			Signature []byte
			Error     *rpcErr
		}
	}
	c.mustCall("signBatch", map[string]any{"certificate": certID(p.ecdsa.cert), "documents": docs}, &r)
	for i, res := range r.Results {
		if res.Error != nil {
			t.Fatalf("document %d: %+v", i, res.Error)
		}
	}
	_, _, pins, _ := pr.snapshot()
	if len(pins) != 2 || !pins[1].Retry || pins[1].TriesLeft != 2 {
		t.Fatalf("PIN prompts %+v", pins)
	}
	// The prompt slot was released after the first signature: another
	// request of the origin may prompt.
	c.mustCall("sign", map[string]any{"certificate": certID(p.ecdsa.cert), "data": "eA=="}, nil)
}

// A wrong PIN at the first signature of a batch fails the whole request,
// as for sign.
func TestBatchRefusedAtFirstSignature(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.pin = func(agent.PINRequest) (string, error) { return "", agent.ErrCancelled }
	src := newFakeSource(p.ecdsa)
	src.pin, src.lazyLogin = "1", true
	ts := startServer(t, src, pr)
	c := approvedClient(t, ts)
	wantErr(t, "batch", c.call("signBatch", map[string]any{"certificate": certID(p.ecdsa.cert),
		"documents": []map[string]any{{"data": "eA=="}, {"data": "eQ=="}}}, nil), agent.CodeCancelled)
}

// Pages that vanish in the middle of prompts, batches and subscriptions
// leave nothing running behind.
func TestNoGoroutinesLeftAfterAbruptClose(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	src := newFakeSource(p.ecdsa)
	src.delay = 5 * time.Millisecond
	var origins []string
	for i := range 20 {
		origins = append(origins, fmt.Sprintf("https://p%d.example", i))
	}
	ts := startServer(t, src, pr, func(o *agent.Options) { o.Config.Origins = append(o.Config.Origins, origins...) })
	time.Sleep(50 * time.Millisecond)
	before := runtime.NumGoroutine()
	pr.mu.Lock()
	pr.hang = true // half the pages leave during a prompt
	pr.mu.Unlock()
	for i, o := range origins {
		c := dial(t, ts, o)
		c.hello()
		c.mustCall("subscribe", nil, nil)
		docs := make([]map[string]any, 50)
		for j := range docs {
			docs[j] = map[string]any{"data": "eA=="}
		}
		if i%2 == 0 {
			c.startCall("sign", map[string]any{"certificate": certID(p.ecdsa.cert), "data": "eA=="})
		} else {
			c.startCall("signBatch", map[string]any{"certificate": certID(p.ecdsa.cert), "documents": docs})
		}
		c.startCall("tokens", nil)
		if i == 10 {
			pr.mu.Lock()
			pr.hang = false
			pr.mu.Unlock()
		}
		c.ws.UnderlyingConn().Close() // no close frame: the TCP connection just goes
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before+2 {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
	// And the agent still serves.
	approvedClient(t, ts).mustCall("sign", map[string]any{"certificate": certID(p.ecdsa.cert), "data": "eA=="}, nil)
}

// Once the token is logged in, a confirmed request gives up the origin's
// prompt slot before it signs: the origin's next request is confirmed
// while the first is still on the token.
func TestSlotFreedWhenNoPINAhead(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	src := newFakeSource(p.ecdsa)
	src.pin, src.lazyLogin = "2468", true
	pr.pin = func(agent.PINRequest) (string, error) { return "2468", nil }
	ts := startServer(t, src, pr)
	c := approvedClient(t, ts)
	id := certID(p.ecdsa.cert)
	c.mustCall("sign", map[string]any{"certificate": id, "data": "eA=="}, nil) // logs in

	gate := make(chan struct{})
	started := make(chan string, 8)
	src.mu.Lock()
	src.signGate = gate
	src.mu.Unlock()
	pr.mu.Lock()
	pr.started = started
	pr.mu.Unlock()
	_, first := c.startCall("sign", map[string]any{"certificate": id, "data": "eQ=="})
	_, second := c.startCall("sign", map[string]any{"certificate": id, "data": "eg=="})
	for i := range 2 {
		select {
		case what := <-started:
			if what != "confirm" {
				t.Fatalf("prompt %d: %s", i, what)
			}
		case <-time.After(10 * time.Second):
			close(gate)
			t.Fatalf("only %d of 2 confirmations while the first request signs: the slot was held", i)
		}
	}
	close(gate)
	for _, ch := range []chan message{first, second} {
		if m := c.wait(ch); m.Error != nil {
			t.Fatalf("sign: %+v", m.Error)
		}
	}
	if _, _, pins, _ := pr.snapshot(); len(pins) != 1 {
		t.Fatalf("%d PIN prompts, want the first login only", len(pins))
	}
}
