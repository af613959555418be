package agent_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
)

const (
	opContinuation = 0x0
	opText         = 0x1
	opPong         = 0xa
)

// rawFrame writes one client frame straight to the socket: op, the FIN
// bit, the payload, and a header that announces declared bytes (more
// than the payload for a frame left unfinished). The mask key is zero,
// which leaves the payload as it is.
func (c *client) rawFrame(op byte, fin bool, payload []byte, declared int) error {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	h := []byte{b0}
	switch {
	case declared < 126:
		h = append(h, 0x80|byte(declared))
	case declared < 1<<16:
		h = append(h, 0x80|126)
		h = binary.BigEndian.AppendUint16(h, uint16(declared))
	default:
		h = append(h, 0x80|127)
		h = binary.BigEndian.AppendUint64(h, uint64(declared))
	}
	h = append(h, 0, 0, 0, 0)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.ws.NetConn().Write(append(h, payload...))
	return err
}

// closeCode waits for the agent to close the connection and returns the
// status of its close frame; it fails the test if the connection stays
// open for 10 seconds.
func closeCode(t *testing.T, c *client) int {
	t.Helper()
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the connection is still open after 10s")
	}
	c.mu.Lock()
	err := c.readErr
	c.mu.Unlock()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("connection ended without a close frame: %v", err)
	}
	return ce.Code
}

// isOpen reports whether the agent has not closed c.
func isOpen(c *client) bool {
	select {
	case <-c.closed:
		return false
	default:
		return true
	}
}

// Before its origin is approved a page may send only small messages: a
// larger one is refused with 1009 from what has arrived of it, long
// before it has arrived in full, whether the connection was idle or its
// pairing was waiting for the user. Once approved, large messages are
// read as before.
func TestUnapprovedMessageRefusedEarly(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa), pr)
	// 8 KiB of a message that announces 100 KiB.
	part := append([]byte(`{"jsonrpc":"2.0","id":9,"method":"pair","params":{"x":"`), bytes.Repeat([]byte("A"), 8<<10)...)

	c := dial(t, ts, "https://stranger.example")
	if c.hello() {
		t.Fatal("a new origin is approved")
	}
	c.rawFrame(opText, true, part, 100<<10)
	if code := closeCode(t, c); code != websocket.CloseMessageTooBig {
		t.Fatalf("idle connection: closed with %d, want 1009", code)
	}

	pr.mu.Lock()
	pr.hang, pr.started = true, make(chan string, 1)
	pr.mu.Unlock()
	c = dial(t, ts, "https://stranger.example")
	c.hello()
	c.startCall("pair", nil)
	<-pr.started
	c.rawFrame(opText, true, part, 100<<10)
	if code := closeCode(t, c); code != websocket.CloseMessageTooBig {
		t.Fatalf("while pairing: closed with %d, want 1009", code)
	}
	if !strings.Contains(ts.logText(), "message over the limit") {
		t.Fatal("no log line for the refusal")
	}

	// Approved by pairing on the same connection: a 60 KiB document
	// reaches the method.
	pr.mu.Lock()
	pr.hang, pr.started = false, nil
	pr.mu.Unlock()
	c = dial(t, ts, "https://newcomer.example")
	c.hello()
	var pair struct{ Approved bool }
	c.mustCall("pair", nil, &pair)
	if !pair.Approved {
		t.Fatal("pairing refused")
	}
	wantErr(t, "large after pairing", c.call("sign", map[string]any{"certificate": "x", "data": strings.Repeat("A", 60<<10)}, nil), agent.CodeCertificateNotFound)
}

// The messages of all connections share a memory budget: connections
// whose messages find no room are closed with 1013 instead of growing
// the agent; origins that are not approved get at most half, so that
// approved ones still find room; the budget is given back.
func TestMessageBudget(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), limits(func(l *agent.Limits) {
		l.MaxMessageBytes = 256 << 10
		l.MaxUnapprovedMessageBytes = 256 << 10
		l.MaxBufferedBytes = 1 << 20
	}))
	// A message that announces 250 KiB; 200 KiB arrive, the rest never.
	payload := append([]byte(`{"jsonrpc":"2.0","id":99,"method":"sign","params":{"certificate":"x","data":"`), bytes.Repeat([]byte("A"), 250<<10)...)
	payload = append(payload[:250<<10-3], `"}}`...)
	hold := func(origin string) *client {
		c := dial(t, ts, origin)
		c.hello()
		if err := c.rawFrame(opText, true, payload[:200<<10], len(payload)); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Refused for want of memory: eventually, at least one of them.
	someRefused := func(cs []*client) []*client {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			var open []*client
			refused := 0
			for _, c := range cs {
				if isOpen(c) {
					open = append(open, c)
				} else if code := closeCode(t, c); code == websocket.CloseTryAgainLater {
					refused++
				} else {
					t.Fatalf("closed with %d, want 1013", code)
				}
			}
			if refused > 0 {
				return open
			}
			select {
			case <-deadline:
				t.Fatalf("%d messages of 200 KiB held, none refused", len(cs))
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	var strangers []*client
	for i := range 4 {
		strangers = append(strangers, hold(fmt.Sprintf("https://s%d.example", i)))
	}
	strangers = someRefused(strangers)
	// Origins not approved hold their half; an approved one's messages
	// still get through, one after the other.
	for range 3 {
		c := hold(portalOrigin)
		ch := make(chan message, 1)
		c.mu.Lock()
		c.waiting["99"] = ch
		c.mu.Unlock()
		c.wmu.Lock()
		c.ws.NetConn().Write(payload[200<<10:])
		c.wmu.Unlock()
		if m := c.wait(ch); m.Error == nil || m.Error.Code != int(agent.CodeCertificateNotFound) {
			t.Fatalf("the approved origin's message: %+v", m)
		}
		c.ws.Close()
	}
	// Approved origins too are refused rather than let the agent grow.
	var portals []*client
	for range 8 {
		portals = append(portals, hold(portalOrigin))
	}
	portals = someRefused(portals)
	if !strings.Contains(ts.logText(), "no memory for the message") {
		t.Fatal("no log line for the refusal")
	}
	for _, c := range append(strangers, portals...) {
		c.ws.Close()
	}
	// What they held is given back: a message as large fits again, once
	// the agent has seen them go.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := approvedClient(t, ts)
		_, ch := c.startCall("sign", map[string]any{"certificate": "x", "data": strings.Repeat("A", 250<<10-100)})
		select {
		case m := <-ch:
			wantErr(t, "after the flood", m.Error, agent.CodeCertificateNotFound)
			return
		case <-c.closed:
		}
		if time.Now().After(deadline) {
			t.Fatal("a large message is still refused")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A message that has started must end within MessageTimeout: sending it
// a byte at a time, with pongs in between, does not keep it alive.
func TestSlowMessageClosed(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), limits(func(l *agent.Limits) {
		l.MessageTimeout = agent.Duration(300 * time.Millisecond)
	}))
	c := approvedClient(t, ts)
	start := []byte(`{"jsonrpc":"2.0",`)
	c.rawFrame(opText, false, start, len(start))
	deadline := time.After(10 * time.Second)
	for isOpen(c) {
		c.rawFrame(opContinuation, false, []byte(" "), 1)
		c.rawFrame(opPong, true, nil, 0)
		select {
		case <-c.closed:
		case <-deadline:
			t.Fatal("a message sent a byte at a time is still open after 10s")
		case <-time.After(20 * time.Millisecond):
		}
	}
	if code := closeCode(t, c); code != websocket.ClosePolicyViolation {
		t.Fatalf("closed with %d, want 1008", code)
	}
	if !strings.Contains(ts.logText(), "message too slow") {
		t.Fatal("no log line")
	}
	approvedClient(t, ts).mustCall("info", nil, nil)
}

// Each origin has a share of the connections and origins that are not
// approved together at most half: however many such sites a browser
// opens, an approved portal still connects. An origin approved while
// its connections are open gets an approved origin's share.
func TestConnectionShares(t *testing.T) {
	p := getPKI(t)
	// 16 connections: 4 per approved origin, 1 per other origin, 8 for
	// all other origins together.
	ts := startServer(t, newFakeSource(p.ecdsa), newFakePrompter(), limits(func(l *agent.Limits) { l.MaxConnections = 16 }))
	open := map[string]int{}
	total := 0
	for i := range 12 {
		origin := fmt.Sprintf("https://flood%d.example", i)
		for range 2 {
			c, resp, err := dialRaw(ts.addr, origin, "")
			if err != nil {
				if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
					t.Fatalf("%s: %v", origin, err)
				}
				continue
			}
			c.start(t)
			open[origin]++
			total++
		}
	}
	if total != 8 {
		t.Fatalf("origins not approved hold %d connections, want 8", total)
	}
	for o, n := range open {
		if n != 1 {
			t.Fatalf("%s holds %d connections, want 1", o, n)
		}
	}
	for range 4 {
		approvedClient(t, ts).mustCall("info", nil, nil)
	}
	if _, resp, err := dialRaw(ts.addr, portalOrigin, ""); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a fifth connection of the portal: %v", err)
	}
	// flood0 is approved now: a second connection, a third.
	if err := ts.approvals.Add("https://flood0.example", time.Now()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if !dial(t, ts, "https://flood0.example").hello() {
			t.Fatal("not approved")
		}
	}
	if !strings.Contains(ts.logText(), "origins not approved have their 8 connections") {
		t.Fatal("no log line saying which share was full")
	}
}

// A connection of an origin that is not approved is closed when it stays
// idle, pongs or not; not while its pairing waits for the user, and
// never for an approved origin.
func TestIdleUnapprovedClosed(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	pr.hang, pr.started = true, make(chan string, 1)
	ts := startServer(t, newFakeSource(p.ecdsa), pr, limits(func(l *agent.Limits) {
		l.UnapprovedIdle = agent.Duration(300 * time.Millisecond)
	}))
	approved := approvedClient(t, ts)
	pairing := dial(t, ts, "https://pairing.example")
	pairing.hello()
	pairID, pairCh := pairing.startCall("pair", nil)
	<-pr.started

	idle := dial(t, ts, "https://idle.example")
	idle.hello()
	deadline := time.After(10 * time.Second)
	for isOpen(idle) {
		idle.rawFrame(opPong, true, nil, 0)
		select {
		case <-idle.closed:
		case <-deadline:
			t.Fatal("an idle connection is still open after 10s")
		case <-time.After(50 * time.Millisecond):
		}
	}
	if code := closeCode(t, idle); code != websocket.ClosePolicyViolation {
		t.Fatalf("closed with %d, want 1008", code)
	}
	if !strings.Contains(ts.logText(), "idle before approval") {
		t.Fatal("no log line")
	}
	// Both others have been idle as long.
	if !isOpen(pairing) || !isOpen(approved) {
		t.Fatal("a pairing or approved connection was closed")
	}
	approved.mustCall("info", nil, nil)
	// The pairing ends; its connection is idle from then on.
	pairing.mustCall("cancel", map[string]any{"id": pairing.nextIDNum(pairID)}, nil)
	if m := pairing.wait(pairCh); m.Error == nil {
		t.Fatal("cancelled pairing succeeded")
	}
	if code := closeCode(t, pairing); code != websocket.ClosePolicyViolation {
		t.Fatalf("closed with %d, want 1008", code)
	}
}
