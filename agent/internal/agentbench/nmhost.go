package main

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/internal/nmdriver"
)

// The sign round trip through the native messaging host, as the browser
// extension makes it: zavera-host started as a browser starts it, fed
// native messaging frames on its stdin, relaying over the agent's local
// channel; against the websocket's round trip on the same agent, in
// blocks taken in turn so that a busy moment of the machine weighs on
// both alike.

// nmHost is a zavera-host child.
type nmHost struct{ *nmdriver.Host }

// startHost starts the host for the agent whose state folder is
// stateDir.
func startHost(hostBin, stateDir string) (*nmHost, error) {
	h, err := nmdriver.Start(hostBin, stateDir, origin)
	if err != nil {
		return nil, err
	}
	return &nmHost{h}, nil
}

func (h *nmHost) stop()                 { h.Stop() }
func (h *nmHost) send(req []byte) error { return h.Send(req) }

// readOK reads messages until a response, and fails on an error
// response or a closed session.
func (h *nmHost) readOK() error {
	for {
		msg, err := h.Receive()
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(msg, responseHead) {
			continue // a notification
		}
		if i := bytes.Index(msg, errorMember); i >= 0 {
			return fmt.Errorf("agent error: %.200s", msg[i+len(errorMember):])
		}
		return nil
	}
}

// compareTransports measures n round trips of req over the websocket
// conn and as many through the host, in blocks taken in turn, after a
// warm-up of each; it returns both medians.
func compareTransports(conn *websocket.Conn, h *nmHost, req func(int) []byte, n int) (ws, nm time.Duration, err error) {
	if err := h.send([]byte(`{"jsonrpc":"2.0","id":"h","method":"hello","params":{"protocols":[1]}}`)); err != nil {
		return 0, 0, err
	}
	if err := h.readOK(); err != nil {
		return 0, 0, err
	}
	const block = 100
	var wsLat, nmLat []time.Duration
	id := 7_000_000
	for round := 0; round < n/block+1; round++ {
		for range block {
			id++
			t0 := time.Now()
			if err := conn.WriteMessage(websocket.TextMessage, req(id)); err != nil {
				return 0, 0, err
			}
			if err := readOK(conn); err != nil {
				return 0, 0, err
			}
			if round > 0 {
				wsLat = append(wsLat, time.Since(t0))
			}
		}
		for range block {
			id++
			t0 := time.Now()
			if err := h.send(req(id)); err != nil {
				return 0, 0, err
			}
			if err := h.readOK(); err != nil {
				return 0, 0, err
			}
			if round > 0 {
				nmLat = append(nmLat, time.Since(t0))
			}
		}
	}
	sort.Slice(wsLat, func(i, j int) bool { return wsLat[i] < wsLat[j] })
	sort.Slice(nmLat, func(i, j int) bool { return nmLat[i] < nmLat[j] })
	return wsLat[len(wsLat)/2], nmLat[len(nmLat)/2], nil
}
