package agent_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
)

// The handshake is refused before any message for a bad Host or Origin.
func TestConnectionRefused(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter())
	port := strconv.Itoa(ts.port)
	cases := []struct {
		name, origin, host string
		status             int
	}{
		{"missing origin", "", "", http.StatusForbidden},
		{"http origin", "http://portal.example", "", http.StatusForbidden},
		{"file origin", "file://", "", http.StatusForbidden},
		{"null origin", "null", "", http.StatusForbidden},
		{"origin with path", "https://portal.example/login", "", http.StatusForbidden},
		{"origin with user", "https://a@portal.example", "", http.StatusForbidden},
		{"origin not in ASCII", "https://портал.example", "", http.StatusForbidden},
		{"rebinding host", portalOrigin, "evil.example:" + port, http.StatusForbidden},
		{"rebinding host same port name", portalOrigin, "127.0.0.1.nip.io:" + port, http.StatusForbidden},
		{"host without port", portalOrigin, "127.0.0.1", http.StatusForbidden},
		{"host with other port", portalOrigin, "127.0.0.1:1", http.StatusForbidden},
		{"dev origin on another port", "http://127.0.0.1:8081", "", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, resp, err := dialRaw(ts.addr, tc.origin, tc.host)
			if err == nil {
				c.ws.Close()
				t.Fatal("connection accepted")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("got %v (%v), want HTTP %d", resp, err, tc.status)
			}
		})
	}
	for _, ok := range []struct{ origin, host string }{
		{portalOrigin, ""},
		{"https://other.example", "localhost:" + port},
		{"http://127.0.0.1:8080", "[::1]:" + port}, // a dev origin; Host names IPv6 loopback
		{"HTTPS://Portal.Example:443", ""},
	} {
		c, resp, err := dialRaw(ts.addr, ok.origin, ok.host)
		if err != nil {
			t.Fatalf("origin %q host %q refused: %v %v", ok.origin, ok.host, err, resp)
		}
		c.ws.Close()
	}
	// Two Origin headers.
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	if ws, resp, err := d.Dial("ws://"+ts.addr+"/", http.Header{"Origin": {portalOrigin, "https://evil.example"}}); err == nil {
		ws.Close()
		t.Fatal("two Origin headers accepted")
	} else if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("two Origin headers: %v %v", err, resp)
	}
	// Plain HTTP gets nothing useful.
	req, _ := http.NewRequest("GET", "http://"+ts.addr+"/", nil)
	req.Header.Set("Origin", portalOrigin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("plain GET: HTTP %d", resp.StatusCode)
	}
}

func TestServeRefusesNonLoopback(t *testing.T) {
	p := getPKI(t)
	j, err := journal.Open(t.TempDir() + "/j")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	srv, err := agent.New(agent.Options{Tokens: newFakeSource(p.ecdsa), Prompter: newFakePrompter(), Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := srv.Serve(ln); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("Serve on 0.0.0.0: %v", err)
	}
}

// Before approval a page can do nothing but hello, pair and cancel, and
// the user is not bothered.
func TestNothingBeforeApproval(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa, p.leader), pr)
	c := dial(t, ts, "https://stranger.example")

	// Methods before hello are refused as invalid requests.
	wantErr(t, "info before hello", c.call("info", nil, nil), agent.CodeInvalidRequest)
	if c.hello() {
		t.Fatal("a new origin is approved")
	}
	id := certID(p.ecdsa.cert)
	calls := map[string]any{
		"info":          nil,
		"tokens":        nil,
		"certificates":  map[string]any{},
		"sign":          map[string]any{"certificate": id, "data": "aGVsbG8=", "description": "x"},
		"signBatch":     map[string]any{"certificate": id, "documents": []any{map[string]any{"data": "aGVsbG8="}}},
		"signChallenge": map[string]any{"certificate": id, "nonce": "AAAAAAAAAAAAAAAAAAAAAA=="},
		"subscribe":     nil,
		"unsubscribe":   nil,
	}
	for m, params := range calls {
		wantErr(t, m, c.call(m, params, nil), agent.CodeOriginNotAllowed)
	}
	// Even an unknown certificate gives origin_not_allowed, not
	// certificate_not_found: nothing leaks.
	wantErr(t, "sign unknown", c.call("sign", map[string]any{"certificate": "nope", "data": "eA=="}, nil), agent.CodeOriginNotAllowed)
	o, s, pins, _ := pr.snapshot()
	if len(o)+len(s)+len(pins) != 0 {
		t.Fatalf("the user was prompted: %v %v %v", o, s, pins)
	}
	if opened, _, _ := ts.source.counts(); opened != 0 {
		t.Fatalf("a key was opened")
	}
}

// Pairing: the page and the prompt show the same code; an approval is
// remembered and journalled; a refusal and a revocation shut the page out.
func TestPairing(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa), pr)
	const origin = "https://new-portal.example"

	// Refused first.
	pr.approve = func(agent.OriginRequest) error { return agent.ErrCancelled }
	c := dial(t, ts, origin)
	c.hello()
	wantErr(t, "pair refused", c.call("pair", nil, nil), agent.CodeOriginNotAllowed)
	wantErr(t, "tokens after refusal", c.call("tokens", nil, nil), agent.CodeOriginNotAllowed)

	// Then approved.
	pr.mu.Lock()
	pr.approve = func(agent.OriginRequest) error { return nil }
	pr.mu.Unlock()
	c.drain()
	_, ch := c.startCall("pair", nil)
	note := c.note("pairing")
	var pn struct {
		Request int    `json:"request"`
		Code    string `json:"code"`
	}
	if err := jsonUnmarshal(note.Params, &pn); err != nil {
		t.Fatal(err)
	}
	m := c.wait(ch)
	if m.Error != nil {
		t.Fatalf("pair: %+v", m.Error)
	}
	origins, _, _, _ := pr.snapshot()
	last := origins[len(origins)-1]
	if last.Origin != origin || last.PairingCode != pn.Code || len(pn.Code) != 7 || pn.Code[3] != '-' {
		t.Fatalf("prompt %+v, page saw code %q", last, pn.Code)
	}
	var toks struct{ Tokens []agent.Token }
	c.mustCall("tokens", nil, &toks)
	if len(toks.Tokens) != 1 {
		t.Fatalf("tokens: %+v", toks)
	}

	// Remembered: a new connection is approved at hello, without prompt.
	c2 := dial(t, ts, origin)
	if !c2.hello() {
		t.Fatal("approval not remembered")
	}
	// And saved to the state folder.
	reopened, err := agent.OpenApprovals(statePath(ts, "approvals.json"))
	if err != nil || !reopened.Has(origin) {
		t.Fatalf("approval not saved: %v", err)
	}

	// Revoked: the next call on the open connection is refused.
	if err := ts.approvals.Revoke(origin); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "tokens after revoke", c2.call("tokens", nil, nil), agent.CodeOriginNotAllowed)

	// The journal has the refusal and the consent.
	var consents []string
	readJournal(t, ts, func(r journal.Record) {
		if r.Event == journal.EventConsent && r.Origin == origin {
			consents = append(consents, r.Outcome)
		}
	})
	if strings.Join(consents, ",") != "refused,approved" {
		t.Fatalf("journal consents: %v", consents)
	}
	// And the revocation.
	revoked := 0
	readJournal(t, ts, func(r journal.Record) {
		if r.Event == journal.EventRevoke && r.Origin == origin {
			revoked++
		}
	})
	if revoked != 1 {
		t.Fatalf("%d revocations journalled", revoked)
	}
}

func statePath(ts *testServer, name string) string {
	return ts.journalPath[:strings.LastIndexByte(ts.journalPath, '/')+1] + name
}

func readJournal(t *testing.T, ts *testServer, fn func(journal.Record)) {
	t.Helper()
	f, err := os.Open(ts.journalPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := journal.Read(f, func(r journal.Record) error { fn(r); return nil }); err != nil {
		t.Fatalf("journal: %v", err)
	}
}

func TestProbe(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa), pr)
	v, err := agent.Probe(context.Background(), "ws://"+ts.addr+"/", nil)
	if err != nil || v != agent.ProtocolVersion {
		t.Fatalf("probe: %d %v", v, err)
	}
	if o, s, _, _ := pr.snapshot(); len(o)+len(s) != 0 {
		t.Fatal("a probe prompted the user")
	}
	// Nothing listening.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if _, err := agent.Probe(context.Background(), "ws://"+addr+"/", nil); err == nil {
		t.Fatal("probe of a closed port succeeded")
	}
	// Something else listening.
	other := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hi")) })}
	ln, _ = net.Listen("tcp", "127.0.0.1:0")
	go other.Serve(ln)
	defer other.Close()
	if _, err := agent.Probe(context.Background(), "ws://"+ln.Addr().String()+"/", nil); err == nil {
		t.Fatal("probe of another server succeeded")
	}
}

// The pairing cool-down belongs to the site that earned it. Refusals from
// ever new subdomains of one registrable domain add up to one cool-down
// (asking from a fresh subdomain does not get around it), but another
// site still gets its prompt: one unapproved page cannot keep every new
// site from pairing.
func TestPairingCooldownPerSite(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.approve = func(r agent.OriginRequest) error {
		if r.Origin == "https://other.example" {
			return nil
		}
		return agent.ErrCancelled
	}
	ts := startServer(t, newFakeSource(p.ecdsa), pr, limits(func(l *agent.Limits) {
		l.CancelsBeforeCooldown = 3
		l.Cooldown = agent.Duration(time.Hour)
	}))
	for i := range 3 {
		c := dial(t, ts, fmt.Sprintf("https://a%d.evil.example", i))
		c.hello()
		wantErr(t, "refused", c.call("pair", nil, nil), agent.CodeOriginNotAllowed)
	}
	c := dial(t, ts, "https://a3.evil.example")
	c.hello()
	wantErr(t, "same site during its cool-down", c.call("pair", nil, nil), agent.CodeBusy)
	if o, _, _, _ := pr.snapshot(); len(o) != 3 {
		t.Fatalf("%d pairing prompts, want 3", len(o))
	}
	// Another site is not in the cool-down: it gets a prompt, and the
	// user approves it.
	b := dial(t, ts, "https://other.example")
	b.hello()
	b.mustCall("pair", nil, nil)
	o, _, _, _ := pr.snapshot()
	if len(o) != 4 || o[3].Origin != "https://other.example" {
		t.Fatalf("pairing prompts %+v, want the fourth for https://other.example", o)
	}
	b.mustCall("tokens", nil, nil)
	// Signing by approved origins is not affected.
	approvedClient(t, ts).mustCall("sign", map[string]any{"certificate": certID(p.ecdsa.cert), "data": "eA=="}, nil)
}

// One site flooding pair requests, each refused, gets only its share of
// the prompts, however many subdomains it asks from, and another site's
// pairing still gets a prompt.
func TestPairingFloodLeavesOthersAPrompt(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.approve = func(r agent.OriginRequest) error {
		if r.Origin == "https://bank.example" {
			return nil
		}
		return agent.ErrCancelled
	}
	ts := startServer(t, newFakeSource(p.ecdsa), pr, limits(func(l *agent.Limits) {
		l.CancelsBeforeCooldown = 1000 // the share, not the cool-down, is what stops the flood
	}))
	share := agent.DefaultLimits.PairingPromptsPerSite
	refused, busy := 0, 0
	for i := range 20 {
		c := dial(t, ts, fmt.Sprintf("https://x%d.evil.example", i))
		c.hello()
		for range 2 {
			e := c.call("pair", nil, nil)
			switch {
			case e != nil && e.Code == int(agent.CodeOriginNotAllowed):
				refused++
			case e != nil && e.Code == int(agent.CodeBusy):
				busy++
			default:
				t.Fatalf("pair of the flooding site: %+v", e)
			}
		}
	}
	if refused != share || busy != 40-share {
		t.Fatalf("flooding site: %d prompts refused by the user, %d busy; want %d and %d", refused, busy, share, 40-share)
	}
	b := dial(t, ts, "https://bank.example")
	b.hello()
	b.mustCall("pair", nil, nil)
	o, _, _, _ := pr.snapshot()
	if len(o) != share+1 || o[share].Origin != "https://bank.example" {
		t.Fatalf("%d pairing prompts, want %d, the last for https://bank.example: %+v", len(o), share+1, o)
	}
}

// Pairing prompts go one at a time, and a site waiting for the screen
// waits behind at most one prompt of another site, however many pair
// requests that site has sent; a site's waiting requests are bounded.
func TestPairingQueueFairAcrossSites(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.started = make(chan string, 64)
	answer := make(chan struct{})
	pr.approve = func(r agent.OriginRequest) error {
		if r.Origin == "https://bank.example" {
			return nil
		}
		<-answer // the user takes their time, then declines
		return agent.ErrCancelled
	}
	ts := startServer(t, newFakeSource(p.ecdsa), pr, limits(func(l *agent.Limits) {
		l.CancelsBeforeCooldown = 1000
	}))
	waiting := agent.DefaultLimits.PairingWaitingPerSite
	share := agent.DefaultLimits.PairingPromptsPerSite
	const sent = 10
	a := dial(t, ts, "https://a.evil.example")
	a.hello()
	var chans []chan message
	for range sent {
		_, ch := a.startCall("pair", nil)
		chans = append(chans, ch)
	}
	var replies []message
	collect := func(n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for len(replies) < n {
			for i, ch := range chans {
				if ch == nil {
					continue
				}
				select {
				case m := <-ch:
					replies = append(replies, m)
					chans[i] = nil
				default:
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d answers to the flooding site, want %d", len(replies), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	<-pr.started // the flooding site's first prompt is on screen
	// The requests beyond the one on screen and the waiting ones are
	// refused at once.
	collect(sent - 1 - waiting)
	for _, m := range replies {
		wantErr(t, "request over the bound", m.Error, agent.CodeBusy)
	}

	b := dial(t, ts, "https://bank.example")
	b.hello()
	_, bch := b.startCall("pair", nil)
	time.Sleep(50 * time.Millisecond) // the bank's request queues for the screen
	answer <- struct{}{}              // the user declines the first prompt
	<-pr.started
	if m := b.wait(bch); m.Error != nil {
		t.Fatalf("bank pair: %+v", m.Error)
	}
	if o, _, _, _ := pr.snapshot(); len(o) < 2 || o[1].Origin != "https://bank.example" {
		t.Fatalf("prompts %+v: the bank's is not the second", o)
	}

	// The flooding site's waiting requests get the rest of its share.
	close(answer)
	collect(sent)
	refused, busy := 0, 0
	for _, m := range replies {
		switch {
		case m.Error != nil && m.Error.Code == int(agent.CodeOriginNotAllowed):
			refused++
		case m.Error != nil && m.Error.Code == int(agent.CodeBusy):
			busy++
		}
	}
	if refused != share || busy != sent-share {
		t.Fatalf("flooding site: %d refused by the user, %d busy; want %d and %d", refused, busy, share, sent-share)
	}
}

// The budget of pairing prompts per minute is shared by all sites, and
// no site may take all of it even when configured so; it renews as the
// minute passes.
func TestPairingBudgetPerMinute(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.approve = func(agent.OriginRequest) error { return agent.ErrCancelled }
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := startServer(t, newFakeSource(p.ecdsa), pr, func(o *agent.Options) { o.Now = clock }, limits(func(l *agent.Limits) {
		l.CancelsBeforeCooldown = 1000
		l.PairingPromptsPerMinute = 3
		l.PairingPromptsPerSite = 5 // kept below the budget: 2
	}))
	pair := func(origin string) agent.Code {
		c := dial(t, ts, origin)
		c.hello()
		e := c.call("pair", nil, nil)
		if e == nil {
			t.Fatalf("%s approved", origin)
		}
		return agent.Code(e.Code)
	}
	got := []agent.Code{
		pair("https://a.one.example"), pair("https://b.one.example"), pair("https://c.one.example"),
		pair("https://two.example"), pair("https://three.example"),
	}
	want := []agent.Code{agent.CodeOriginNotAllowed, agent.CodeOriginNotAllowed, agent.CodeBusy,
		agent.CodeOriginNotAllowed, agent.CodeBusy}
	if !slices.Equal(got, want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
	mu.Lock()
	now = now.Add(61 * time.Second)
	mu.Unlock()
	if c := pair("https://three.example"); c != agent.CodeOriginNotAllowed {
		t.Fatalf("after a minute: %v", c)
	}
	if o, _, _, _ := pr.snapshot(); len(o) != 4 {
		t.Fatalf("%d prompts, want 4", len(o))
	}
}

// Two pair requests of one page: one prompt, both approved.
func TestPairTwiceOnePrompt(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.started = make(chan string, 4)
	release := make(chan struct{})
	pr.approve = func(agent.OriginRequest) error { <-release; return nil }
	ts := startServer(t, newFakeSource(p.ecdsa), pr)
	c := dial(t, ts, "https://twice.example")
	c.hello()
	_, ch1 := c.startCall("pair", nil)
	<-pr.started
	_, ch2 := c.startCall("pair", nil)
	time.Sleep(50 * time.Millisecond)
	close(release)
	for _, ch := range []chan message{ch1, ch2} {
		if m := c.wait(ch); m.Error != nil {
			t.Fatalf("pair: %+v", m.Error)
		}
	}
	if o, _, _, _ := pr.snapshot(); len(o) != 1 {
		t.Fatalf("%d pairing prompts, want 1", len(o))
	}
}

// A request waiting for its turn when the origin is revoked is refused
// without a prompt.
func TestRevokedWhileWaiting(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa), pr)
	const origin = "https://waiting.example"
	c := dial(t, ts, origin)
	c.hello()
	c.mustCall("pair", nil, nil)
	pr.mu.Lock()
	pr.hang, pr.started = true, make(chan string, 4)
	pr.mu.Unlock()
	sign := map[string]any{"certificate": certID(p.ecdsa.cert), "data": "eA=="}
	id1, ch1 := c.startCall("sign", sign)
	<-pr.started
	_, ch2 := c.startCall("sign", sign)
	time.Sleep(50 * time.Millisecond)
	if err := ts.approvals.Revoke(origin); err != nil {
		t.Fatal(err)
	}
	c.mustCall("cancel", map[string]any{"id": c.nextIDNum(id1)}, nil)
	wantErr(t, "first", c.wait(ch1).Error, agent.CodeCancelled)
	wantErr(t, "second", c.wait(ch2).Error, agent.CodeOriginNotAllowed)
	if _, s, _, _ := pr.snapshot(); len(s) != 1 {
		t.Fatalf("%d confirmations shown, want 1", len(s))
	}
}
