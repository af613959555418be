package agent

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/zavera/zavera/agent/localchan"
	"github.com/zavera/zavera/agent/peer"
)

// openTimeout bounds the wait for a local session's open frame.
const openTimeout = 5 * time.Second

// ServeLocal accepts page sessions that the native messaging host relays
// on ln, the local channel (package localchan), until ln is closed or
// Shutdown. Only the agent's user can reach the channel: the socket is
// private to the user, and each connection's peer is checked again with
// peer.CheckUnix. The origin of each session is the one its open frame
// names, which the host took from the browser; it passes the same origin
// policy as a websocket's Origin header, and the session counts as a
// connection of that origin for the per-origin shares.
func (s *Server) ServeLocal(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.locals = append(s.locals, ln)
	s.mu.Unlock()
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go s.serveLocal(nc)
	}
}

// serveLocal runs one local session.
func (s *Server) serveLocal(nc net.Conn) {
	if err := peer.CheckUnix(nc); err != nil {
		s.log.Warn("refused local session: not this user's process", "err", err)
		nc.Close()
		return
	}
	lc := localchan.New(nc)
	nc.SetReadDeadline(time.Now().Add(openTimeout))
	given, err := lc.ReadOpen()
	if err != nil {
		s.log.Info("refused local session: no open frame", "err", err)
		nc.Close()
		return
	}
	nc.SetReadDeadline(time.Time{})
	origin, err := s.policy.admit(given)
	if err != nil {
		s.log.Info("refused local session: origin", "origin", given, "err", err)
		lc.WriteClose(ClosePolicy, "origin not allowed", time.Now().Add(time.Second))
		nc.Close()
		return
	}
	free, err := s.slots.take(origin)
	if err != nil {
		s.log.Warn("refused local session", "origin", origin, "err", err)
		lc.WriteClose(CloseTryLater, "busy", time.Now().Add(time.Second))
		nc.Close()
		return
	}
	defer free()
	c := newConn(s, &localTransport{c: lc}, origin)
	s.runSession(c, nc.Close)
}

// localTransport is a session of the local channel. A message's frame
// header announces its size, which is checked against the limit in force
// when the header arrives and reserved from the budget before any of it
// is read; a message must arrive within MessageTimeout (conn.checkMessage
// ends the session otherwise). The host's own process keeps the socket
// open, so no keep-alives are needed: when the browser or the host goes,
// the socket closes.
type localTransport struct {
	c *localchan.Conn
}

func (t *localTransport) start(*conn) {}

func (t *localTransport) next(c *conn) (*inMessage, error) {
	kind, size, err := t.c.ReadHeader()
	if err != nil {
		return nil, err
	}
	c.startMessage()
	defer c.endMessage()
	switch kind {
	case localchan.KindMessage:
	case localchan.KindClose:
		return nil, io.EOF
	default:
		return nil, fmt.Errorf("%w: kind %q", localchan.ErrFrame, kind)
	}
	limit, approved := c.messageLimit()
	if int64(size) > limit {
		return nil, fmt.Errorf("%w: a message of %d bytes, over %d", errTooBig, size, limit)
	}
	m := &inMessage{b: c.s.budget}
	if size > 0 {
		if err := m.growTo(int64(size), approved); err != nil {
			return nil, err
		}
	}
	m.data = m.data[:size]
	if _, err := io.ReadFull(t.c, m.data); err != nil {
		m.release()
		return nil, err
	}
	return m, nil
}

func (t *localTransport) ended(c *conn, err error) {
	switch {
	case errors.Is(err, errTooBig):
		c.s.log.Info("message over the limit; closing", "origin", c.origin, "err", err)
		t.close(CloseTooBig, "message too big")
	case errors.Is(err, errNoRoom):
		c.s.log.Warn("no memory for the message; closing", "origin", c.origin, "approved", c.approved(),
			"inUse", c.s.budget.inUse(), "budget", c.s.budget.limit)
		t.close(CloseTryLater, "agent busy")
	case errors.Is(err, io.EOF), c.drainOnEnd.Load():
	default:
		c.s.log.Debug("read ended", "origin", c.origin, "err", err)
	}
}

func (t *localTransport) send(data []byte) error {
	return t.c.WriteFrame(localchan.KindMessage, data, time.Now().Add(writeTimeout))
}

func (t *localTransport) close(code int, reason string) {
	t.c.WriteClose(code, reason, time.Now().Add(time.Second))
}

func (t *localTransport) stopReading() { t.c.SetReadDeadline(time.Now()) }

func (t *localTransport) shutdown() { t.c.Close() }
