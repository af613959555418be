package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

const (
	writeTimeout = 10 * time.Second
	// workerIdle is how long a request goroutine waits for the next
	// request before it ends.
	workerIdle = 10 * time.Second
	// keepReadBuffer is the largest write buffer kept for reuse.
	keepReadBuffer = 64 << 10
)

// Why a connection ends before its page closes it.
var (
	errTooBig = errors.New("agent: message over the limit")
	// errNotText is a message that is not text; it is refused and the
	// session goes on.
	errNotText = errors.New("agent: not a text message")
)

// conn is one page session, whatever transport carries it (transport.go):
// a websocket or a session of the local channel. Its methods are the
// protocol's; the transport only moves messages. The read loop runs in
// run; each request runs in a worker goroutine of the connection, at most MaxInFlight at a time;
// workers wait a while for the next request before they end, so that a
// page that keeps requests in flight does not pay for a new goroutine
// (and its stack's growth) per request. Writes are serialised.
type conn struct {
	s      *Server
	t      transport
	origin string
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	jobs   chan job // to an idle worker

	// The read loop's progress, for the watchdogs: msgDeadline is when
	// the message being read must have arrived (unix ns; 0 between
	// messages), lastActive when the page last sent a message or had an
	// answer.
	msgDeadline atomic.Int64
	lastActive  atomic.Int64
	// The watchdogs' timers, set by run under tmu before either can
	// fire; their callbacks read them under tmu.
	tmu       sync.Mutex
	msgTimer  *time.Timer
	idleTimer *time.Timer
	// drainOnEnd asks the read loop to drain before closing, so that the
	// close frame the agent sent reaches the page.
	drainOnEnd atomic.Bool

	mu       sync.Mutex
	protocol int
	inflight map[string]context.CancelFunc
	unsub    func()
	events   chan TokenEvent
	docs     *uploads // documents being uploaded, made on first use
}

func newConn(s *Server, t transport, origin string) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &conn{
		s: s, t: t, origin: origin, ctx: ctx, cancel: cancel,
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
	c.tmu.Lock()
	c.msgTimer = time.AfterFunc(time.Duration(l.MessageTimeout), c.checkMessage)
	c.msgTimer.Stop()
	c.idleTimer = time.AfterFunc(time.Duration(l.UnapprovedIdle), c.checkIdle)
	c.tmu.Unlock()
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
		c.freeUploads()
		c.t.shutdown()
	}()
	c.t.start(c)
	for {
		m, err := c.t.next(c)
		if errors.Is(err, errNotText) {
			c.reply(json.RawMessage("null"), nil, &rpcError{CodeInvalidRequest, "binary messages are not accepted"})
			continue
		}
		if err != nil {
			c.t.ended(c, err)
			return
		}
		c.handle(m)
	}
}

// messageLimit is the size limit of a message that starts now: the small
// one while the origin is not approved.
func (c *conn) messageLimit() (limit int64, approved bool) {
	l := c.s.cfg.Limits
	if c.approved() {
		return l.MaxMessageBytes, true
	}
	return min(l.MaxUnapprovedMessageBytes, l.MaxMessageBytes), false
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
		c.tmu.Lock()
		c.msgTimer.Reset(left)
		c.tmu.Unlock()
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
	c.tmu.Lock()
	c.idleTimer.Reset(wait)
	c.tmu.Unlock()
}

// closePolicy closes the connection with status 1008.
func (c *conn) closePolicy(text string) {
	c.drainOnEnd.Store(true)
	c.closeWith(ClosePolicy, text)
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
	if took, kept := c.fastChunk(msg); took {
		handed = kept
		return
	}
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
	if req.Method == "documentChunk" {
		handed = c.chunkRequest(id, req, msg)
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

// send writes one text message; the transport serialises writes.
func (c *conn) send(data []byte) {
	if err := c.t.send(data); err != nil {
		c.s.log.Debug("write failed", "origin", c.origin, "err", err)
	}
}

// closeWith sends a close status; the read loop then ends.
func (c *conn) closeWith(code int, text string) {
	c.t.close(code, text)
	c.cancel()
	c.t.stopReading()
}

// approved is checked on every call, so that a revocation takes effect at
// once.
func (c *conn) approved() bool { return c.s.approved(c.origin) }
