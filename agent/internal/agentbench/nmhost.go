package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/gorilla/websocket"
)

// The sign round trip through the native messaging host, as the browser
// extension makes it: zavera-host started as a browser starts it, fed
// native messaging frames on its stdin, relaying over the agent's local
// channel; against the websocket's round trip on the same agent, in
// blocks taken in turn so that a busy moment of the machine weighs on
// both alike.

// nmHost is a zavera-host child.
type nmHost struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	buf []byte
}

// startHost starts the host for the agent whose state folder is
// stateDir: the host finds it through the user's configuration, which
// names that folder.
func startHost(hostBin, stateDir string) (*nmHost, error) {
	xdg := filepath.Join(stateDir, "xdg")
	if err := os.MkdirAll(filepath.Join(xdg, "zavera"), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(xdg, "zavera", "config.json"), []byte(`{"stateDir": "`+stateDir+`"}`), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(hostBin, "chrome-extension://fefkbkfecildicniloojojbkcldheohj/")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+xdg)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &nmHost{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 64<<10)}, nil
}

func (h *nmHost) stop() {
	h.in.Close()
	h.cmd.Wait()
}

const nmSession = "1:0:1"

var nmHead = []byte(`{"session":"` + nmSession + `","origin":"` + origin + `","message":`)

// send writes one request as the extension frames it.
func (h *nmHost) send(req []byte) error {
	n := len(nmHead) + len(req) + 1
	b := h.buf[:0]
	b = binary.NativeEndian.AppendUint32(b, uint32(n))
	b = append(b, nmHead...)
	b = append(b, req...)
	b = append(b, '}')
	h.buf = b
	_, err := h.in.Write(b)
	return err
}

// readOK reads frames until a response, and fails on an error response
// or a closed session.
func (h *nmHost) readOK() error {
	for {
		var n [4]byte
		if _, err := io.ReadFull(h.out, n[:]); err != nil {
			return err
		}
		size := int(binary.NativeEndian.Uint32(n[:]))
		if cap(h.buf) < size {
			h.buf = make([]byte, size)
		}
		data := h.buf[:size]
		if _, err := io.ReadFull(h.out, data); err != nil {
			return err
		}
		msg, ok := bytes.CutPrefix(data, []byte(`{"session":"`+nmSession+`","message":`))
		if !ok {
			return fmt.Errorf("host: %.200s", data)
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
