// Command streambench measures a document streamed to the agent: the
// throughput of a 1 GiB file sent over the websocket in chunks
// (documentOpen, documentChunk: base64 in JSON, as the JS client sends
// it, a few chunks on their way) until the agent has hashed all of it,
// against `zavera digest` of the same file in the same run, and the
// agent's peak resident memory (VmHWM of a fresh agent) meanwhile; then
// the same through the extension's channel (zavera-host fed native
// messaging frames as a browser feeds them, relaying over the agent's
// local channel). The agent's digest is checked against zavera digest's
// each time.
//
// Signing adds nothing that grows with the document (the signature is
// made over the digest), so the upload is the figure. It writes JSON
// lines (see internal/benchfig).
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/internal/benchfig"
)

const (
	origin = "https://bench.example"
	chunk  = 512 << 10 // the JS client's chunk
	window = 4         // chunks on their way, as the JS client keeps
)

func main() {
	out := flag.String("out", "build/bench.d/stream.jsonl", "JSON lines output")
	bin := flag.String("zavera", "build/zavera-script", "zavera built with -tags zavera_script")
	host := flag.String("host", "build/zavera-host", "the native messaging host, zavera-host")
	size := flag.Int64("size", 1<<30, "the document's size in bytes")
	flag.Parse()
	if err := run(*out, *bin, *host, *size); err != nil {
		fmt.Fprintln(os.Stderr, "streambench:", err)
		os.Exit(1)
	}
}

func run(out, bin, hostBin string, size int64) error {
	dir, err := os.MkdirTemp("", "streambench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	doc := filepath.Join(dir, "document.bin")
	if err := writeDocument(doc, size); err != nil {
		return err
	}
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"origins": ["`+origin+`"], "noModuleDiscovery": true}`), 0o600); err != nil {
		return err
	}

	// The reference: zavera digest of the file, best of two (the first
	// run may still read from the disk).
	var ref time.Duration
	var want string
	for i := range 2 {
		t0 := time.Now()
		o, err := exec.Command(bin, "digest", "--alg", "streebog256", doc).Output()
		if err != nil {
			return fmt.Errorf("zavera digest: %w", err)
		}
		if d := time.Since(t0); i == 0 || d < ref {
			ref = d
		}
		want = strings.Fields(string(o))[0]
	}

	a, err := startAgent(bin, cfg, dir)
	if err != nil {
		return err
	}
	defer a.stop()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+a.addr+"/", http.Header{"Origin": {origin}})
	if err != nil {
		return err
	}
	defer c.Close()
	took, got, err := upload(wsWire{c}, doc, size)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("the agent's digest %s, zavera digest's %s", got, want)
	}
	peak, err := vmHWM(a.cmd.Process.Pid)
	if err != nil {
		return err
	}
	h, err := startHost(hostBin, dir)
	if err != nil {
		return fmt.Errorf("native messaging host: %w", err)
	}
	nmTook, got, err := upload(h, doc, size)
	h.stop()
	if err != nil {
		return fmt.Errorf("native messaging host: %w", err)
	}
	if got != want {
		return fmt.Errorf("through the host, the agent's digest %s, zavera digest's %s", got, want)
	}
	mib := float64(size) / (1 << 20)
	agentRate, refRate, nmRate := mib/took.Seconds(), mib/ref.Seconds(), mib/nmTook.Seconds()
	figs := []benchfig.Figure{
		{Name: "stream: document over the websocket vs zavera digest", Value: agentRate, Unit: "MiB/s",
			Reference: refRate, Ratio: agentRate / refRate,
			Note: fmt.Sprintf("%.0f MiB in %d KiB base64 chunks, %d on their way, until the agent's digest; goal: ratio >= 0.7", mib, chunk>>10, window)},
		{Name: "stream: agent's peak resident memory during it (vs goal)", Value: peak, Unit: "MB",
			Reference: 48, Ratio: 48 / peak, Note: "VmHWM of a fresh agent; reference is the goal"},
		{Name: "stream: document through the extension's channel vs zavera digest", Value: nmRate, Unit: "MiB/s",
			Reference: refRate, Ratio: nmRate / refRate,
			Note: "zavera-host fed native messaging frames, relaying over the local channel; same chunks; goal: ratio >= 0.5"},
	}
	return benchfig.Write(out, figs, os.Stdout)
}

// writeDocument writes size random bytes.
func writeDocument(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	block := make([]byte, 1<<20)
	rand.Read(block)
	for left := size; left > 0; left -= int64(len(block)) {
		block[0]++
		if _, err := f.Write(block[:min(int64(len(block)), left)]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// wire carries a page's messages to the agent and back.
type wire interface {
	send(msg []byte) error
	// receive returns the next message from the agent.
	receive() ([]byte, error)
}

type wsWire struct{ c *websocket.Conn }

func (w wsWire) send(msg []byte) error { return w.c.WriteMessage(websocket.TextMessage, msg) }

func (w wsWire) receive() ([]byte, error) {
	_, data, err := w.c.ReadMessage()
	return data, err
}

// upload streams the file to the agent and returns how long it took and
// the agent's digest in hex.
func upload(c wire, path string, size int64) (time.Duration, string, error) {
	if _, err := call(c, "hello", `{"protocols":[1]}`); err != nil {
		return 0, "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	t0 := time.Now()
	res, err := call(c, "documentOpen", fmt.Sprintf(`{"name":"document.bin","size":%d,"digest":"Streebog-256"}`, size))
	if err != nil {
		return 0, "", err
	}
	var opened struct{ Document string }
	if err := json.Unmarshal(res, &opened); err != nil {
		return 0, "", err
	}
	buf := make([]byte, chunk)
	enc := make([]byte, base64.StdEncoding.EncodedLen(chunk))
	var msg bytes.Buffer
	pending := 0
	var last json.RawMessage
	readOne := func() error {
		r, err := read(c)
		pending--
		last = r
		return err
	}
	for off := int64(0); off < size; {
		n, err := io.ReadFull(f, buf[:min(int64(chunk), size-off)])
		if err != nil {
			return 0, "", err
		}
		base64.StdEncoding.Encode(enc, buf[:n])
		msg.Reset()
		fmt.Fprintf(&msg, `{"jsonrpc":"2.0","id":%d,"method":"documentChunk","params":{"document":%q,"offset":%d,"data":"`, off/chunk+1, opened.Document, off)
		msg.Write(enc[:base64.StdEncoding.EncodedLen(n)])
		msg.WriteString(`"}}`)
		if err := c.send(msg.Bytes()); err != nil {
			return 0, "", err
		}
		pending++
		off += int64(n)
		if pending >= window {
			if err := readOne(); err != nil {
				return 0, "", err
			}
		}
	}
	for pending > 0 {
		if err := readOne(); err != nil {
			return 0, "", err
		}
	}
	took := time.Since(t0)
	var done struct {
		Complete bool
		Digest   []byte
	}
	if err := json.Unmarshal(last, &done); err != nil {
		return 0, "", err
	}
	if !done.Complete {
		return 0, "", errors.New("the last chunk did not complete the document")
	}
	return took, hex.EncodeToString(done.Digest), nil
}

// call sends one request and returns its result.
func call(c wire, method, params string) (json.RawMessage, error) {
	if err := c.send([]byte(`{"jsonrpc":"2.0","id":"x","method":"` + method + `","params":` + params + `}`)); err != nil {
		return nil, err
	}
	return read(c)
}

// read returns the result of the next response, skipping notifications.
func read(c wire) (json.RawMessage, error) {
	for {
		data, err := c.receive()
		if err != nil {
			return nil, err
		}
		var m struct {
			ID     json.RawMessage
			Result json.RawMessage
			Error  json.RawMessage
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, err
		}
		if m.ID == nil {
			continue // documentProgress
		}
		if m.Error != nil {
			return nil, fmt.Errorf("agent: %s", m.Error)
		}
		return m.Result, nil
	}
}

type agentProc struct {
	cmd  *exec.Cmd
	addr string
}

// startAgent runs a fresh headless agent with its state in dir.
func startAgent(bin, cfg, dir string) (*agentProc, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "serve", "--headless", "--port", strconv.Itoa(port), "--config", cfg)
	cmd.Env = append(os.Environ(), "ZAVERA_SCRIPT_APPROVE=1", "ZAVERA_PKCS11_MODULES=")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	a := &agentProc{cmd: cmd, addr: "127.0.0.1:" + strconv.Itoa(port)}
	for t0 := time.Now(); ; {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+a.addr+"/", http.Header{"Origin": {origin}})
		if err == nil {
			c.Close()
			return a, nil
		}
		if time.Since(t0) > 10*time.Second {
			a.stop()
			return nil, fmt.Errorf("agent did not start: %w", err)
		}
		time.Sleep(time.Millisecond)
	}
}

func (a *agentProc) stop() {
	a.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { a.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		a.cmd.Process.Kill()
		<-done
	}
}

// vmHWM returns a process's peak resident set in MB.
func vmHWM(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024, err
		}
	}
	return 0, errors.New("no VmHWM")
}
