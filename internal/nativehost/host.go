// Package nativehost is Zavera's native messaging host: the program a
// browser starts for the Zavera extension (`zavera native-host`), which
// relays the extension's page sessions to the running agent over the
// agent's local channel (package agent/localchan), starting the agent
// when none runs. The agent keeps everything that matters: origin policy,
// consent, PIN, journal and limits; the host only moves messages and
// never reads or answers a request itself.
//
// # Who may call
//
// The browser starts the host for an extension that a host manifest
// allows (allowed_origins, allowed_extensions) and names it in the
// arguments: Chromium browsers pass the caller's origin
// "chrome-extension://ID/", Firefox the manifest's path and the
// extension's id. The host serves only the Zavera extension (callers.go)
// and exits otherwise. It runs as the browser's user and reaches only
// that user's agent: the channel is a socket in the user's state folder.
//
// # Messages
//
// From the extension, each frame is {"session","origin","message"} with
// a JSON-RPC request of docs/protocol.md, or {"session","close":true}
// when the page goes away. The origin is the one the browser gave the
// extension (the message sender's origin), never page data; the first
// frame of a session opens it on the agent's channel with that origin,
// and a later frame naming another origin ends the session. To the
// extension: {"session","message"} with a response or notification,
// {"session","closed":status,"reason"} when the agent ends the session
// (the websocket close codes of docs/protocol.md; 1006 when the agent
// went away), and {"session","part","parts","data"} for a message too
// large for one frame (frames.go). docs/extension.md describes it all.
//
// # Threading
//
// One goroutine reads the browser's frames and writes to the agent; one
// goroutine per session reads the agent's frames and writes to the
// browser, under a lock that keeps frames whole.
package nativehost

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/zavera/zavera/agent/localchan"
	"github.com/zavera/zavera/internal/browserext"
)

// Limits of the host.
const (
	// MaxSessions bounds the sessions open at once; the agent bounds
	// each origin's connections further.
	MaxSessions = 256
	// maxSessionID bounds a session name.
	maxSessionID = 128
	// ioTimeout bounds writes to the agent.
	ioTimeout = 10 * time.Second
	// keepFrameBuffer is the largest frame buffer kept for the next
	// frame: room for a document's chunk.
	keepFrameBuffer = 4 << 20
)

// Errors of the host; details go to its log, never to pages.
var (
	// ErrCaller is a caller that is not the Zavera extension.
	ErrCaller = errors.New("nativehost: the caller is not the Zavera extension")
	// ErrNoAgent is an agent that could not be reached nor started.
	ErrNoAgent = errors.New("nativehost: the agent does not answer")
)

// Caller checks the arguments the browser started the host with and
// returns the extension that called.
func Caller(args []string) (string, error) {
	for _, a := range args {
		switch {
		case a == browserext.ChromiumOrigin:
			return browserext.ChromiumExtensionID, nil
		case a == browserext.FirefoxExtensionID:
			return browserext.FirefoxExtensionID, nil
		}
	}
	return "", fmt.Errorf("%w: arguments %q", ErrCaller, args)
}

// Options wire a Host.
type Options struct {
	// Socket is the agent's local channel.
	Socket string
	// StartAgent starts the agent, detached; nil never starts one.
	StartAgent func() error
	// StartWait bounds the wait for a started agent's channel.
	StartWait time.Duration
	// Log receives what goes wrong; nil discards it.
	Log *slog.Logger
}

// Host relays one browser's sessions. Create it with New.
type Host struct {
	o   Options
	out io.Writer
	wmu sync.Mutex // whole frames to out

	mu       sync.Mutex
	sessions map[string]*session
	startMu  sync.Mutex
	wg       sync.WaitGroup
}

type session struct {
	id     string
	origin string
	lc     *localchan.Conn
}

// New returns a host that writes to the browser on out.
func New(o Options, out io.Writer) *Host {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.StartWait == 0 {
		o.StartWait = 20 * time.Second
	}
	return &Host{o: o, out: out, sessions: map[string]*session{}}
}

// inFrame is a frame from the extension.
type inFrame struct {
	Session string          `json:"session"`
	Origin  string          `json:"origin"`
	Message json.RawMessage `json:"message"`
	Close   bool            `json:"close"`
}

// Run relays until the browser closes the host's stdin, then closes every
// session.
func (h *Host) Run(in io.Reader) error {
	defer h.closeAll()
	var buf []byte
	for {
		b, err := readFrame(in, buf)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		// The frame's buffer serves the next frame: relay has written
		// the message to the agent before it returns. One that a rare
		// large frame made grow is let go.
		if cap(b) <= keepFrameBuffer {
			buf = b
		} else {
			buf = nil
		}
		f, err := parseEnvelope(b)
		if err != nil || f.Session == "" || len(f.Session) > maxSessionID {
			h.o.Log.Warn("frame from the extension dropped", "err", err)
			continue
		}
		if f.Close {
			h.end(f.Session)
			continue
		}
		h.relay(f)
	}
}

// relay sends a page's message to its session, opening it first.
func (h *Host) relay(f inFrame) {
	h.mu.Lock()
	s := h.sessions[f.Session]
	h.mu.Unlock()
	if s != nil && s.origin != f.Origin {
		h.o.Log.Warn("a session changed its origin; ending it", "session", f.Session)
		h.end(f.Session)
		h.closed(f.Session, 1008, "origin changed")
		return
	}
	if s == nil {
		var err error
		if s, err = h.open(f.Session, f.Origin); err != nil {
			h.o.Log.Warn("session not opened", "session", f.Session, "err", err)
			h.closed(f.Session, 1011, "agent unavailable")
			return
		}
	}
	if len(f.Message) == 0 {
		return
	}
	if err := s.lc.WriteFrame(localchan.KindMessage, f.Message, time.Now().Add(ioTimeout)); err != nil {
		h.o.Log.Info("write to the agent failed", "session", f.Session, "err", err)
	}
}

// open opens a session on the agent's channel, starting the agent when
// none answers.
func (h *Host) open(id, origin string) (*session, error) {
	h.mu.Lock()
	n := len(h.sessions)
	h.mu.Unlock()
	if n >= MaxSessions {
		return nil, fmt.Errorf("nativehost: %d sessions open", n)
	}
	if origin == "" || len(origin) > localchan.MaxOriginBytes || strings.ContainsAny(origin, "\x00\r\n") {
		return nil, fmt.Errorf("nativehost: bad origin %q", origin)
	}
	lc, err := h.dial(origin)
	if err != nil {
		return nil, err
	}
	s := &session{id: id, origin: origin, lc: lc}
	h.mu.Lock()
	h.sessions[id] = s
	h.mu.Unlock()
	h.wg.Add(1)
	go h.fromAgent(s)
	return s, nil
}

// dial reaches the agent, starting it once when its channel does not
// answer and waiting for the channel.
func (h *Host) dial(origin string) (*localchan.Conn, error) {
	lc, err := localchan.Dial(h.o.Socket, origin, ioTimeout)
	if err == nil {
		return lc, nil
	}
	if h.o.StartAgent == nil {
		return nil, fmt.Errorf("%w: %w", ErrNoAgent, err)
	}
	h.startMu.Lock()
	defer h.startMu.Unlock()
	if lc, err := localchan.Dial(h.o.Socket, origin, ioTimeout); err == nil {
		return lc, nil
	}
	h.o.Log.Info("no agent answers; starting one", "socket", h.o.Socket)
	if err := h.o.StartAgent(); err != nil {
		return nil, fmt.Errorf("%w: starting it: %w", ErrNoAgent, err)
	}
	deadline := time.Now().Add(h.o.StartWait)
	for {
		lc, err := localchan.Dial(h.o.Socket, origin, ioTimeout)
		if err == nil {
			return lc, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: started, but its channel did not answer in %s: %w", ErrNoAgent, h.o.StartWait, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fromAgent relays the agent's frames of one session to the browser.
func (h *Host) fromAgent(s *session) {
	defer h.wg.Done()
	code, reason := 1006, "agent went away"
	for {
		kind, size, err := s.lc.ReadHeader()
		if err != nil {
			break
		}
		b := make([]byte, size)
		if _, err := io.ReadFull(s.lc, b); err != nil {
			break
		}
		if kind == localchan.KindClose {
			code, reason = localchan.ParseClose(b)
			break
		}
		if kind != localchan.KindMessage {
			continue
		}
		h.wmu.Lock()
		err = writeMessage(h.out, s.id, b)
		h.wmu.Unlock()
		if err != nil {
			h.o.Log.Warn("write to the browser failed", "err", err)
			break
		}
	}
	h.mu.Lock()
	mine := h.sessions[s.id] == s
	if mine {
		delete(h.sessions, s.id)
	}
	h.mu.Unlock()
	s.lc.Close()
	if mine {
		h.closed(s.id, code, reason)
	}
}

// closed tells the extension that a session has ended.
func (h *Host) closed(id string, code int, reason string) {
	b, _ := json.Marshal(struct {
		Session string `json:"session"`
		Closed  int    `json:"closed"`
		Reason  string `json:"reason"`
	}{id, code, reason})
	h.wmu.Lock()
	defer h.wmu.Unlock()
	writeFrame(h.out, b)
}

// end closes a session at the page's request.
func (h *Host) end(id string) {
	h.mu.Lock()
	s := h.sessions[id]
	delete(h.sessions, id)
	h.mu.Unlock()
	if s != nil {
		s.lc.WriteFrame(localchan.KindClose, nil, time.Now().Add(time.Second))
		s.lc.Close()
	}
}

// closeAll ends every session and waits for their readers.
func (h *Host) closeAll() {
	h.mu.Lock()
	ids := make([]string, 0, len(h.sessions))
	for id := range h.sessions {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	for _, id := range ids {
		h.end(id)
	}
	h.wg.Wait()
}
