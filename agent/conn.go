package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
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
	// keepReadBuffer is the largest read buffer kept between messages.
	keepReadBuffer = 64 << 10
)

// conn is one websocket. The read loop runs in run; each request runs in
// a worker goroutine of the connection, at most MaxInFlight at a time;
// workers wait a while for the next request before they end, so that a
// page that keeps requests in flight does not pay for a new goroutine
// (and its stack's growth) per request. Writes are serialised.
type conn struct {
	s      *Server
	ws     *websocket.Conn
	origin string
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	jobs   chan job // to an idle worker

	wmu sync.Mutex

	mu       sync.Mutex
	protocol int
	inflight map[string]context.CancelFunc
	unsub    func()
	events   chan TokenEvent
}

func newConn(s *Server, ws *websocket.Conn, origin string) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &conn{
		s: s, ws: ws, origin: origin, ctx: ctx, cancel: cancel,
		sem:      make(chan struct{}, s.cfg.Limits.MaxInFlight),
		jobs:     make(chan job),
		inflight: map[string]context.CancelFunc{},
	}
}

// run reads messages until the page goes away, then cancels what is in
// flight (prompts included) and waits for it.
func (c *conn) run() {
	defer func() {
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
	c.ws.SetReadLimit(c.s.cfg.Limits.MaxMessageBytes)
	c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(pongWait))
	})
	go c.pinger()
	// One buffer serves every message: handle copies what it keeps.
	var buf bytes.Buffer
	for {
		kind, msg, err := c.readMessage(&buf)
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.s.log.Info("message over the limit; closing", "origin", c.origin)
				c.drain()
			} else if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
				c.s.log.Debug("read ended", "origin", c.origin, "err", err)
			}
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(pongWait))
		if kind != websocket.TextMessage {
			c.reply(json.RawMessage("null"), nil, &rpcError{CodeInvalidRequest, "binary messages are not accepted"})
			continue
		}
		c.handle(msg)
	}
}

// readMessage reads the next message into buf, which it reuses unless
// the message was large.
func (c *conn) readMessage(buf *bytes.Buffer) (int, []byte, error) {
	if buf.Cap() > keepReadBuffer {
		*buf = bytes.Buffer{}
	}
	buf.Reset()
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return kind, nil, err
	}
	_, err = buf.ReadFrom(r)
	return kind, buf.Bytes(), err
}

// drain reads and drops what the page still sends after an oversized
// frame, for a bounded time and size, so that the close frame (1009)
// reaches it instead of being lost to a TCP reset.
func (c *conn) drain() {
	nc := c.ws.NetConn()
	nc.SetReadDeadline(time.Now().Add(drainTimeout))
	io.Copy(io.Discard, io.LimitReader(nc, 2*c.s.cfg.Limits.MaxMessageBytes))
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

// handle parses one message and starts its request.
func (c *conn) handle(msg []byte) {
	req, id, err := parseRequest(msg)
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
	j := job{ctx: ctx, cancel: cancel, key: key, id: id, m: m, req: req}
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
	c.mu.Lock()
	delete(c.inflight, j.key)
	c.mu.Unlock()
	j.cancel()
	<-c.sem
	c.reply(j.id, res, err)
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
