package agent

import (
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// frame encodes one client frame with a zero mask key.
func frame(op byte, fin bool, payload []byte) []byte {
	if fin {
		op |= 0x80
	}
	b := []byte{op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, 0, 0, 0, 0)
	return append(b, payload...)
}

// The watch follows data frames through any split of the stream, skips
// control frames, and hands out each message's first frame.
func TestFrameWatchFollowsFrames(t *testing.T) {
	var stream []byte
	stream = append(stream, frame(0x1, true, make([]byte, 5))...)
	stream = append(stream, frame(0x9, true, []byte("png"))...)
	stream = append(stream, frame(0x1, false, make([]byte, 200))...)
	stream = append(stream, frame(0x0, false, nil)...)
	stream = append(stream, frame(0xa, true, nil)...)
	stream = append(stream, frame(0x0, true, make([]byte, 70000))...)
	stream = append(stream, frame(0x2, true, nil)...)
	for range 500 {
		f := &frameWatch{}
		for rest := stream; len(rest) > 0; {
			n := min(len(rest), 1+rand.IntN(300))
			f.observe(rest[:n])
			rest = rest[n:]
		}
		want := []struct {
			size  uint64
			whole bool
		}{{5, true}, {200, false}, {0, true}}
		for _, w := range want {
			size, whole, ok := f.take()
			if !ok || size != w.size || whole != w.whole {
				t.Fatalf("take: %d %v %v, want %d %v", size, whole, ok, w.size, w.whole)
			}
			f.finish()
		}
		if f.broken || len(f.queue) != 0 {
			t.Fatalf("broken %v, %d frames left", f.broken, len(f.queue))
		}
	}
	// A continuation where a message should start: no more hints.
	f := &frameWatch{}
	f.observe(frame(0x0, true, nil))
	if _, _, ok := f.take(); ok || !f.broken {
		t.Fatal("a hint from a stream out of step")
	}
}

// A message sent as one frame is read into a buffer of exactly its size,
// reserved once; a fragmented one still arrives whole, and the messages
// after it are sized again.
func TestMessageSizedOnce(t *testing.T) {
	const origin = "https://portal.example"
	cfg := Config{}.withDefaults()
	appr, _ := OpenApprovals("")
	s := &Server{cfg: cfg, policy: &originPolicy{preapproved: map[string]bool{origin: true}}, approvals: appr,
		budget: newBudget(cfg.Limits), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	type read struct {
		data   []byte
		held   int64
		copies int
		err    error
	}
	got := make(chan read, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fw := &frameWatch{}
		up := websocket.Upgrader{ReadBufferSize: 4096, CheckOrigin: func(*http.Request) bool { return true }}
		ws, err := up.Upgrade(watchingWriter{w, fw}, r, nil)
		if err != nil {
			got <- read{err: err}
			return
		}
		tr := newWSTransport(ws, fw)
		c := newConn(s, tr, origin)
		c.msgTimer = time.AfterFunc(time.Hour, func() {})
		defer c.msgTimer.Stop()
		for range 4 {
			_, m, err := tr.readMessage(c)
			if err != nil {
				got <- read{err: err}
				return
			}
			got <- read{data: m.data, held: m.held, copies: m.copies}
			m.release()
		}
	}))
	defer srv.Close()
	d := websocket.Dialer{WriteBufferSize: 1 << 20}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/", http.Header{"Origin": {origin}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	big := bytes.Repeat([]byte("0123456789"), 10000)
	expect := func(want []byte, exact bool) {
		t.Helper()
		r := <-got
		if r.err != nil {
			t.Fatal(r.err)
		}
		if !bytes.Equal(r.data, want) {
			t.Fatalf("read %d bytes, want %d", len(r.data), len(want))
		}
		if (exact && r.copies != 0) || r.copies > 1 {
			t.Fatalf("a message of %d bytes copied %d times on its way", len(want), r.copies)
		}
		if r.held != int64(len(want)) || cap(r.data) != len(want) {
			t.Fatalf("a message of %d bytes in a buffer of %d, %d reserved", len(want), cap(r.data), r.held)
		}
	}
	ws.WriteMessage(websocket.TextMessage, big)
	expect(big, true)
	raw := append(frame(0x1, false, big[:1000]), frame(0x0, false, nil)...)
	raw = append(raw, frame(0xa, true, nil)...)
	raw = append(raw, frame(0x0, true, big[1000:51000])...)
	ws.NetConn().Write(raw)
	expect(big[:51000], false)
	ws.WriteMessage(websocket.TextMessage, big[:77777])
	expect(big[:77777], true)
	ws.WriteMessage(websocket.TextMessage, big[:10])
	expect(big[:10], true)
	if n := s.budget.inUse(); n != 0 {
		t.Fatalf("%d bytes still reserved", n)
	}
}
