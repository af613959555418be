package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const (
	writeTimeout = 10 * time.Second
	pingPeriod   = 30 * time.Second
	pongWait     = 75 * time.Second
	drainTimeout = 2 * time.Second
	// workerIdle is how long a request goroutine waits for the next
	// request before it ends.
	workerIdle = 10 * time.Second
	// keepReadBuffer is the largest write buffer kept for reuse.
	keepReadBuffer = 64 << 10
)

// Why a connection ends before its page closes it.
var (
	errTooBig = errors.New("agent: message over the limit")
)

// conn is one websocket. The read loop runs in run; each request runs in
// a worker goroutine of the connection, at most MaxInFlight at a time;
// workers wait a while for the next request before they end, so that a
// page that keeps requests in flight does not pay for a new goroutine
// (and its stack's growth) per request. Writes are serialised.
type conn struct {
	s      *Server
	ws     *websocket.Conn
	fw     *frameWatch // the frame headers under ws; nil when not watched
	origin string
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	jobs   chan job // to an idle worker

	wmu sync.Mutex

	// The read loop's progress, for the watchdogs: msgDeadline is when
	// the message being read must have arrived (unix ns; 0 between
	// messages), lastActive when the page last sent a message or had an
	// answer.
	msgDeadline atomic.Int64
	lastActive  atomic.Int64
	msgTimer    *time.Timer
	idleTimer   *time.Timer
	// drainOnEnd asks the read loop to drain before closing, so that the
	// close frame the agent sent reaches the page.
	drainOnEnd atomic.Bool
	// readLimit is the message size limit in force; read loop only.
	readLimit int64

	mu       sync.Mutex
	protocol int
	inflight map[string]context.CancelFunc
	unsub    func()
	events   chan TokenEvent
}

func newConn(s *Server, ws *websocket.Conn, fw *frameWatch, origin string) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &conn{
		s: s, ws: ws, fw: fw, origin: origin, ctx: ctx, cancel: cancel,
		sem:      make(chan struct{}, s.cfg.Limits.MaxInFlight),
		jobs:     make(chan job),
		inflight: map[string]context.CancelFunc{},
	}
}

// run reads messages until the page goes away, then cancels what is in
// flight (prompts included) and waits for it.
func (c *conn) run() {
	l := c.s.cfg.Limits
	c.touch()
	c.msgTimer = time.AfterFunc(time.Duration(l.MessageTimeout), c.checkMessage)
	c.msgTimer.Stop()
	c.idleTimer = time.AfterFunc(time.Duration(l.UnapprovedIdle), c.checkIdle)
	defer func() {
		c.msgTimer.Stop()
		c.idleTimer.Stop()
		c.cancel()
		c.mu.Lock()
		unsub := c.unsub
		c.unsub = nil
		c.mu.Unlock()
		if unsub != nil {
			unsub()
		}
		c.wg.Wait()
		c.ws.Close()
	}()
	c.ws.SetReadDeadline(time.Now().Add(pongWait))
	// Pongs keep a quiet connection open; they never extend a message
	// (see checkMessage) nor an idle connection of an origin that is not
	// approved (see checkIdle).
	c.ws.SetPongHandler(func(string) error {
		if c.ctx.Err() != nil {
			return nil
		}
		return c.ws.SetReadDeadline(time.Now().Add(pongWait))
	})
	go c.pinger()
	for {
		kind, m, err := c.readMessage()
		if err != nil {
			c.readFailed(err)
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(pongWait))
		if kind != websocket.TextMessage {
			m.release()
			c.reply(json.RawMessage("null"), nil, &rpcError{CodeInvalidRequest, "binary messages are not accepted"})
			continue
		}
		c.handle(m)
	}
}

// readFailed logs why the read loop ends and, when the agent closed the
// connection, lets the close frame reach the page.
func (c *conn) readFailed(err error) {
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		// Refused from a frame's header; gorilla sent 1009.
		c.s.log.Info("message over the limit; closing", "origin", c.origin, "approved", c.approved())
		c.drain()
	case errors.Is(err, errTooBig):
		c.s.log.Info("message over the limit; closing", "origin", c.origin, "err", err)
		c.sendClose(websocket.CloseMessageTooBig, "message too big")
		c.drain()
	case errors.Is(err, errNoRoom):
		c.s.log.Warn("no memory for the message; closing", "origin", c.origin, "approved", c.approved(),
			"inUse", c.s.budget.inUse(), "budget", c.s.budget.limit)
		c.sendClose(websocket.CloseTryAgainLater, "agent busy")
		c.drain()
	case c.drainOnEnd.Load():
		c.drain()
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
func (c *conn) readMessage() (int, *inMessage, error) {
	l := c.s.cfg.Limits
	c.readLimit = min(l.MaxUnapprovedMessageBytes, l.MaxMessageBytes)
	if c.approved() || c.busy() {
		c.readLimit = l.MaxMessageBytes
	}
	c.ws.SetReadLimit(c.readLimit)
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return kind, nil, err
	}
	c.startMessage()
	defer c.endMessage()
	approved := c.approved()
	limit := l.MaxMessageBytes
	if !approved {
		limit = min(l.MaxUnapprovedMessageBytes, l.MaxMessageBytes)
	}
	c.readLimit = limit
	c.ws.SetReadLimit(limit)
	m := &inMessage{b: c.s.budget}
	size, whole, hinted := c.fw.take()
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
			if exact || int64(len(m.data)) >= limit {
				b, more, err := nextByte(r)
				if err == nil && !more {
					c.fw.finish()
					return kind, m, nil
				}
				if err == nil && int64(len(m.data)) >= limit {
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
			c.fw.finish()
			return kind, m, nil
		}
		if err != nil {
			m.release()
			return kind, nil, err
		}
	}
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

// busy reports whether a request of the connection is running.
func (c *conn) busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.inflight) > 0
}

// touch notes that the page did something.
func (c *conn) touch() { c.lastActive.Store(time.Now().UnixNano()) }

// startMessage starts the clock of a message whose first frame arrived.
func (c *conn) startMessage() {
	d := time.Duration(c.s.cfg.Limits.MessageTimeout)
	c.msgDeadline.Store(time.Now().Add(d).UnixNano())
	c.msgTimer.Reset(d)
}

func (c *conn) endMessage() {
	c.msgDeadline.Store(0)
	c.msgTimer.Stop()
	c.touch()
}

// checkMessage closes the connection when the message under way has
// taken longer than MessageTimeout: a page cannot keep a part of a message
// in memory by sending it slowly, however many pings it answers.
func (c *conn) checkMessage() {
	d := c.msgDeadline.Load()
	if d == 0 || c.ctx.Err() != nil {
		return
	}
	if left := time.Until(time.Unix(0, d)); left > 0 {
		c.msgTimer.Reset(left)
		return
	}
	c.s.log.Info("message too slow; closing", "origin", c.origin, "timeout", time.Duration(c.s.cfg.Limits.MessageTimeout))
	c.closePolicy("message too slow")
}

// checkIdle closes the connection of an origin that is not approved when
// it has sent nothing and had no request running for UnapprovedIdle.
// It runs every UnapprovedIdle at most, for approved origins too, since
// an approval may be revoked.
func (c *conn) checkIdle() {
	if c.ctx.Err() != nil {
		return
	}
	wait := time.Duration(c.s.cfg.Limits.UnapprovedIdle)
	if !c.approved() && c.msgDeadline.Load() == 0 && !c.busy() {
		idle := time.Since(time.Unix(0, c.lastActive.Load()))
		if idle >= wait {
			c.s.log.Info("idle before approval; closing", "origin", c.origin, "idle", idle.Round(time.Millisecond))
			c.closePolicy("idle before approval")
			return
		}
		wait -= idle
	}
	c.idleTimer.Reset(wait)
}

// closePolicy closes the connection with status 1008.
func (c *conn) closePolicy(text string) {
	c.drainOnEnd.Store(true)
	c.closeWith(websocket.ClosePolicyViolation, text)
}

// sendClose sends a close frame.
func (c *conn) sendClose(code int, text string) {
	c.wmu.Lock()
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.wmu.Unlock()
}

// drain reads and drops what the page still sends after the agent closed
// the connection, for a bounded time and size, so that the close frame
// reaches it instead of being lost to a TCP reset. The size is twice the
// message limit in force (at least 64 KiB): a page that was allowed
// small messages only is not worth reading megabytes from.
func (c *conn) drain() {
	nc := c.ws.NetConn()
	nc.SetReadDeadline(time.Now().Add(drainTimeout))
	io.Copy(io.Discard, io.LimitReader(nc, max(64<<10, 2*c.readLimit)))
}

// pinger keeps the connection alive and notices dead peers.
func (c *conn) pinger() {
	t := time.NewTicker(pingPeriod)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			c.wmu.Lock()
			err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout))
			c.wmu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

// handle parses one message and starts its request. The request keeps
// slices of the message, whose buffer is released once it is answered.
func (c *conn) handle(msg *inMessage) {
	handed := false
	defer func() {
		if !handed {
			msg.release()
		}
	}()
	req, id, err := parseRequest(msg.data)
	if err != nil {
		c.s.log.Info("bad message", "origin", c.origin, "err", err)
		c.reply(id, nil, err)
		return
	}
	m, ok := methods[req.Method]
	if !ok {
		c.reply(id, nil, &rpcError{CodeMethodNotFound, truncate(req.Method, 64)})
		return
	}
	if err := c.admit(req.Method, m); err != nil {
		c.reply(id, nil, err)
		return
	}
	if m.inline {
		res, err := m.run(c, c.ctx, req)
		c.reply(id, res, err)
		return
	}
	select {
	case c.sem <- struct{}{}:
	default:
		c.reply(id, nil, errBusyInFlight)
		return
	}
	key := idKey(id)
	ctx, cancel := context.WithCancel(c.ctx)
	c.mu.Lock()
	if _, dup := c.inflight[key]; dup {
		c.mu.Unlock()
		cancel()
		<-c.sem
		c.reply(id, nil, &rpcError{CodeInvalidRequest, "a request with this id is in flight"})
		return
	}
	c.inflight[key] = cancel
	c.mu.Unlock()
	j := job{ctx: ctx, cancel: cancel, key: key, id: id, m: m, req: req, msg: msg}
	handed = true
	select {
	case c.jobs <- j:
	default:
		c.wg.Add(1)
		go c.worker(j)
	}
}

// job is one admitted request for a worker.
type job struct {
	ctx    context.Context
	cancel context.CancelFunc
	key    string
	id     json.RawMessage
	m      method
	req    *request
	msg    *inMessage // what req was read from
}

// worker runs j, then the requests handed to it while it waits, until it
// has waited workerIdle or the connection ends.
func (c *conn) worker(j job) {
	defer c.wg.Done()
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		c.runJob(j)
		idle.Reset(workerIdle)
		select {
		case j = <-c.jobs:
		case <-idle.C:
			return
		case <-c.ctx.Done():
			return
		}
	}
}

// runJob runs one request and frees its place before answering, so
// that a page may send its next request as soon as it has the answer.
func (c *conn) runJob(j job) {
	res, err := c.call(j.ctx, j.m, j.req)
	c.touch() // before the request stops counting as running
	c.mu.Lock()
	delete(c.inflight, j.key)
	c.mu.Unlock()
	j.cancel()
	<-c.sem
	c.reply(j.id, res, err)
	j.msg.release()
}

var errBusyInFlight error = &wrapped{"too many requests in flight", ErrBusy}

// wrapped is a fixed error wrapping a sentinel.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.err.Error() + ": " + w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// call runs a method, turning a panic into an internal error so that one
// bad request never takes the agent down.
func (c *conn) call(ctx context.Context, m method, req *request) (res any, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.s.log.Error("method panicked", "method", req.Method, "panic", p)
			res, err = nil, errors.New("agent: internal error")
		}
	}()
	return m.run(c, ctx, req)
}

// cancelRequest cancels the request with the given id, if in flight.
func (c *conn) cancelRequest(id json.RawMessage) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	cancel, ok := c.inflight[idKey(id)]
	if ok {
		cancel()
	}
	return ok
}

// reply writes a response. Errors are logged with their detail; the page
// gets the code only.
func (c *conn) reply(id json.RawMessage, result any, err error) {
	r := response{JSONRPC: "2.0", ID: id}
	if err != nil {
		r.Error = newErrorObject(err)
		if r.Error.Code == CodeInternal {
			c.s.log.Error("request failed", "origin", c.origin, "id", string(id), "err", err)
		} else {
			c.s.log.Info("request refused", "origin", c.origin, "id", string(id), "err", err)
		}
	} else if result == nil {
		result = struct{}{}
	} else if sr, ok := result.(signResult); ok && c.writeSignResult(id, sr) {
		return
	}
	r.Result = result
	c.write(r)
}

// writeSignResult writes the answer to a signing request without
// reflection, and reports false when it leaves it to write.
func (c *conn) writeSignResult(id json.RawMessage, r signResult) bool {
	buf := writeBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= keepReadBuffer {
			writeBuffers.Put(buf)
		}
	}()
	// The response is built in the buffer's spare room, made large
	// enough first.
	buf.Grow(signResponseSize(id, r))
	data, ok := appendSignResponse(buf.AvailableBuffer(), id, r)
	if ok {
		c.send(data)
	}
	return ok
}

// notify writes a notification.
func (c *conn) notify(method string, params any) {
	c.write(notification{JSONRPC: "2.0", Method: method, Params: params})
}

// writeBuffers holds encoding buffers for write.
var writeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (c *conn) write(v any) {
	buf := writeBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= keepReadBuffer {
			buf.Reset()
			writeBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	if err := enc.Encode(v); err != nil {
		c.s.log.Error("encode message", "err", err)
		return
	}
	c.send(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// send writes one text message; the page's connection is written to by
// one request at a time.
func (c *conn) send(data []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		c.s.log.Debug("write failed", "origin", c.origin, "err", err)
	}
}

// closeWith sends a close frame; the read loop then ends.
func (c *conn) closeWith(code int, text string) {
	c.wmu.Lock()
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.wmu.Unlock()
	c.cancel()
	c.ws.SetReadDeadline(time.Now())
}

// approved is checked on every call, so that a revocation takes effect at
// once.
func (c *conn) approved() bool { return c.s.approved(c.origin) }
