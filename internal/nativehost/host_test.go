package nativehost

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zavera/zavera/agent/localchan"
)

// echoAgent stands for the agent on the channel: it answers each
// message with its text and records the origins and closes it saw.
type echoAgent struct {
	mu      sync.Mutex
	origins []string
	closes  int
}

func (a *echoAgent) serve(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer nc.Close()
			c := localchan.New(nc)
			origin, err := c.ReadOpen()
			if err != nil {
				return
			}
			a.mu.Lock()
			a.origins = append(a.origins, origin)
			a.mu.Unlock()
			for {
				kind, size, err := c.ReadHeader()
				if err != nil {
					return
				}
				b := make([]byte, size)
				io.ReadFull(c, b)
				if kind == localchan.KindClose {
					a.mu.Lock()
					a.closes++
					a.mu.Unlock()
					return
				}
				c.WriteFrame(localchan.KindMessage, b, time.Now().Add(time.Second))
			}
		}()
	}
}

func sockPath(t *testing.T) string {
	dir, err := os.MkdirTemp("", "zvh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, localchan.PagesSocket)
}

// browser drives a host as the browser does: frames in, frames out.
type browser struct {
	t    *testing.T
	in   *io.PipeWriter
	out  chan map[string]any
	done chan error
}

func startBrowser(t *testing.T, o Options) *browser {
	pr, pw := io.Pipe()
	or, ow := io.Pipe()
	b := &browser{t: t, in: pw, out: make(chan map[string]any, 16), done: make(chan error, 1)}
	go func() {
		err := New(o, ow).Run(pr)
		ow.Close()
		b.done <- err
	}()
	go func() {
		defer close(b.out)
		for {
			var n uint32
			if binary.Read(or, binary.NativeEndian, &n) != nil {
				return
			}
			data := make([]byte, n)
			if _, err := io.ReadFull(or, data); err != nil {
				return
			}
			var m map[string]any
			json.Unmarshal(data, &m)
			b.out <- m
		}
	}()
	t.Cleanup(func() { pw.Close() })
	return b
}

func (b *browser) send(f any) {
	data, _ := json.Marshal(f)
	binary.Write(b.in, binary.NativeEndian, uint32(len(data)))
	b.in.Write(data)
}

func (b *browser) next() map[string]any {
	b.t.Helper()
	select {
	case m, ok := <-b.out:
		if !ok {
			b.t.Fatal("the host ended")
		}
		return m
	case <-time.After(10 * time.Second):
		b.t.Fatal("no frame from the host in 10s")
	}
	return nil
}

// end closes the browser's side and waits for the host to end.
func (b *browser) end() {
	b.t.Helper()
	b.in.Close()
	if err := <-b.done; err != nil {
		b.t.Fatal(err)
	}
}

func msg(session, origin string, id int) map[string]any {
	return map[string]any{"session": session, "origin": origin, "message": map[string]any{"jsonrpc": "2.0", "id": id, "method": "hello"}}
}

// Sessions open on the agent with the extension's origin; a session
// whose origin changes is ended; a page that goes away is closed on the
// agent.
func TestHostRelaysSessions(t *testing.T) {
	sock := sockPath(t)
	ln, err := localchan.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a := &echoAgent{}
	go a.serve(ln)
	b := startBrowser(t, Options{Socket: sock})
	b.send(msg("1:0:1", "https://a.example", 1))
	if f := b.next(); f["session"] != "1:0:1" || f["message"] == nil {
		t.Fatalf("answer: %v", f)
	}
	b.send(msg("2:0:1", "https://b.example", 1))
	if f := b.next(); f["session"] != "2:0:1" || f["message"] == nil {
		t.Fatalf("answer: %v", f)
	}
	b.send(msg("1:0:1", "https://evil.example", 2))
	if f := b.next(); f["session"] != "1:0:1" || f["closed"] != float64(1008) {
		t.Fatalf("origin changed: %v", f)
	}
	b.send(map[string]any{"session": "2:0:1", "close": true})
	b.end()
	// The agent reads the close frames in its own time.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		a.mu.Lock()
		n := a.closes
		a.mu.Unlock()
		if n == 2 || time.Now().After(deadline) {
			break
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.origins) != 2 || a.origins[0] != "https://a.example" || a.origins[1] != "https://b.example" {
		t.Fatalf("agent saw origins %v", a.origins)
	}
	if a.closes != 2 {
		t.Fatalf("agent saw %d sessions closed, want 2", a.closes)
	}
}

// With no agent answering, the host starts one once and waits for its
// channel; with no way to start one, the session is closed with 1011.
func TestHostStartsTheAgent(t *testing.T) {
	sock := sockPath(t)
	a := &echoAgent{}
	var mu sync.Mutex
	starts := 0
	lns := make(chan net.Listener, 1)
	start := func() error {
		mu.Lock()
		starts++
		mu.Unlock()
		go func() {
			ln, err := localchan.Listen(sock)
			if err != nil {
				return
			}
			lns <- ln
			a.serve(ln)
		}()
		return nil
	}
	b := startBrowser(t, Options{Socket: sock, StartAgent: start, StartWait: 10 * time.Second})
	b.send(msg("1:0:1", "https://a.example", 1))
	b.send(msg("2:0:1", "https://a.example", 1))
	for range 2 {
		if f := b.next(); f["message"] == nil {
			t.Fatalf("answer: %v", f)
		}
	}
	b.end()
	(<-lns).Close()
	if starts != 1 {
		t.Fatalf("%d starts", starts)
	}

	b = startBrowser(t, Options{Socket: sockPath(t)})
	b.send(msg("1:0:1", "https://a.example", 1))
	if f := b.next(); f["closed"] != float64(1011) {
		t.Fatalf("no agent: %v", f)
	}
	b.end()
}
