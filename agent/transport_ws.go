package agent

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const (
	pingPeriod   = 30 * time.Second
	pongWait     = 75 * time.Second
	drainTimeout = 2 * time.Second
)

// wsTransport is a page's websocket.
type wsTransport struct {
	ws  *websocket.Conn
	fw  *frameWatch // the frame headers under ws; nil when not watched
	wmu sync.Mutex
	// readLimit is the message size limit in force; read loop only.
	readLimit int64
	ctxDone   <-chan struct{}
}

func newWSTransport(ws *websocket.Conn, fw *frameWatch) *wsTransport {
	return &wsTransport{ws: ws, fw: fw}
}

func (t *wsTransport) start(c *conn) {
	t.ctxDone = c.ctx.Done()
	t.ws.SetReadDeadline(time.Now().Add(pongWait))
	// Pongs keep a quiet connection open; they never extend a message
	// (see checkMessage) nor an idle connection of an origin that is not
	// approved (see checkIdle).
	t.ws.SetPongHandler(func(string) error {
		if c.ctx.Err() != nil {
			return nil
		}
		return t.ws.SetReadDeadline(time.Now().Add(pongWait))
	})
	go t.pinger()
}

func (t *wsTransport) next(c *conn) (*inMessage, error) {
	kind, m, err := t.readMessage(c)
	if err != nil {
		return nil, err
	}
	t.ws.SetReadDeadline(time.Now().Add(pongWait))
	if kind != websocket.TextMessage {
		m.release()
		return nil, errNotText
	}
	return m, nil
}

// ended logs why the read loop ends and, when the agent closed the
// connection, lets the close frame reach the page.
func (t *wsTransport) ended(c *conn, err error) {
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		// Refused from a frame's header; gorilla sent 1009.
		c.s.log.Info("message over the limit; closing", "origin", c.origin, "approved", c.approved())
		t.drain()
	case errors.Is(err, errTooBig):
		c.s.log.Info("message over the limit; closing", "origin", c.origin, "err", err)
		t.close(CloseTooBig, "message too big")
		t.drain()
	case errors.Is(err, errNoRoom):
		c.s.log.Warn("no memory for the message; closing", "origin", c.origin, "approved", c.approved(),
			"inUse", c.s.budget.inUse(), "budget", c.s.budget.limit)
		t.close(CloseTryLater, "agent busy")
		t.drain()
	case c.drainOnEnd.Load():
		t.drain()
	case !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived):
		c.s.log.Debug("read ended", "origin", c.origin, "err", err)
	}
}

// readMessage reads the next message into a buffer reserved from the
// server's budget. A message that comes as one frame, as browsers send
// them, gets a buffer of the size its frame announces, reserved when its
// header arrives; other messages get one that grows as their bytes arrive.
//
// Gorilla checks the read limit at each frame's header, against the
// message's length so far plus the frame's, before it reads the frame.
// Before a message starts, the limit is the small one when the origin is
// not approved, unless a request in flight (a pairing) may approve it
// while the loop waits; once the message has started, the approval of
// that moment decides, for the frames to come and, from the header or by
// counting the bytes, for the frame under way.
func (t *wsTransport) readMessage(c *conn) (int, *inMessage, error) {
	l := c.s.cfg.Limits
	t.readLimit = min(l.MaxUnapprovedMessageBytes, l.MaxMessageBytes)
	if c.approved() || c.busy() {
		t.readLimit = l.MaxMessageBytes
	}
	t.ws.SetReadLimit(t.readLimit)
	kind, r, err := t.ws.NextReader()
	if err != nil {
		return kind, nil, err
	}
	c.startMessage()
	defer c.endMessage()
	limit, approved := c.messageLimit()
	t.readLimit = limit
	t.ws.SetReadLimit(limit)
	m := &inMessage{b: c.s.budget}
	size, whole, hinted := t.fw.take()
	if hinted && size > uint64(limit) {
		return kind, nil, fmt.Errorf("%w: a frame of %d bytes, over %d", errTooBig, size, limit)
	}
	exact := hinted && whole
	if hinted && size > 0 {
		if err := m.growTo(int64(size), approved); err != nil {
			return kind, nil, err
		}
	}
	for {
		if len(m.data) == cap(m.data) {
			if exact || m.n() >= limit {
				b, more, err := nextByte(r)
				if err == nil && !more {
					t.fw.finish()
					return t.complete(kind, m, approved)
				}
				if err == nil && m.n() >= limit {
					err = fmt.Errorf("%w: more than %d bytes", errTooBig, limit)
				}
				if err != nil {
					m.release()
					return kind, nil, err
				}
				// The frame was longer than announced.
				exact = false
				if err := m.grow(limit, approved); err != nil {
					m.release()
					return kind, nil, err
				}
				m.data = append(m.data, b)
				continue
			}
			if err := m.grow(limit, approved); err != nil {
				m.release()
				return kind, nil, err
			}
		}
		n, err := r.Read(m.data[len(m.data):cap(m.data)])
		m.data = m.data[:len(m.data)+n]
		if err == io.EOF {
			t.fw.finish()
			return t.complete(kind, m, approved)
		}
		if err != nil {
			m.release()
			return kind, nil, err
		}
	}
}

// complete joins the parts of a message read whole; a message that finds
// no room for that is given back.
func (t *wsTransport) complete(kind int, m *inMessage, approved bool) (int, *inMessage, error) {
	if err := m.join(approved); err != nil {
		m.release()
		return kind, nil, err
	}
	return kind, m, nil
}

// nextByte reads one more byte from r; more is false at its end.
func nextByte(r io.Reader) (b byte, more bool, err error) {
	var one [1]byte
	for {
		n, err := r.Read(one[:])
		if n > 0 {
			return one[0], true, nil
		}
		if err == io.EOF {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
	}
}

// drain reads and drops what the page still sends after the agent closed
// the connection, for a bounded time and size, so that the close frame
// reaches it instead of being lost to a TCP reset. The size is twice the
// message limit in force (at least 64 KiB): a page that was allowed
// small messages only is not worth reading megabytes from.
func (t *wsTransport) drain() {
	nc := t.ws.NetConn()
	nc.SetReadDeadline(time.Now().Add(drainTimeout))
	io.Copy(io.Discard, io.LimitReader(nc, max(64<<10, 2*t.readLimit)))
}

// pinger keeps the connection alive and notices dead peers.
func (t *wsTransport) pinger() {
	tk := time.NewTicker(pingPeriod)
	defer tk.Stop()
	for {
		select {
		case <-t.ctxDone:
			return
		case <-tk.C:
			t.wmu.Lock()
			err := t.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout))
			t.wmu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

func (t *wsTransport) send(data []byte) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return t.ws.WriteMessage(websocket.TextMessage, data)
}

func (t *wsTransport) close(code int, reason string) {
	t.wmu.Lock()
	t.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	t.wmu.Unlock()
}

func (t *wsTransport) stopReading() { t.ws.SetReadDeadline(time.Now()) }

func (t *wsTransport) shutdown() { t.ws.Close() }
