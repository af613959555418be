package pkcs11

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	p11 "github.com/miekg/pkcs11"

	"github.com/zavera/zavera/internal/childproc"
)

// hostBackend is the backend of an isolated module: every call goes to
// the module's host process (see ServeHost) and waits for its answer.
// When the host dies or a call passes its deadline, the host is killed,
// the calls in flight fail with a *ModuleFailure, and the next call
// starts a new host (after a back-off when failures follow each other)
// and initialises the module in it again.
//
// Session handles given out are this side's own numbers, mapped to the
// host's: a handle from a host that is gone is unknown, so calls with it
// fail with CKR_SESSION_HANDLE_INVALID, which the token code takes as a
// lost session and opens a new one (logging in again).
type hostBackend struct {
	path string
	iso  Isolation

	mu    sync.Mutex
	proc  *hostProc // nil when no host runs
	epoch uint64    // counts hosts started
	// gen changes whenever a host starts or goes: sessions and object
	// handles of another gen are not the current host's.
	gen    atomic.Uint64
	inited bool // the module is to be initialised in every new host
	closed bool // Destroy was called: no more hosts

	restarts    int // hosts ended by a failure or a limit
	lastFailure *ModuleFailure
	failStreak  int       // failures without a calm host in between
	notBefore   time.Time // no new host before this
	lastCheck   time.Time

	sessNext uint
	sess     map[uint]hostSession // ours → the host's

	slow quickOps // the calls whose last answer was too slow to poll for
}

type hostSession struct {
	epoch  uint64
	remote uint
}

// hostProc is one running host process.
type hostProc struct {
	b *hostBackend
	// The host's output is read by the calls waiting for a reply: the
	// one holding reading (a token in the channel when nobody reads)
	// reads until its own reply comes and passes the others theirs, so
	// that a lone call takes its reply itself, without a hand-over
	// between goroutines.
	reading  chan struct{}
	out      *frameReader
	spin     *spinReader // under out; its deadline is set by the reader
	deadOnce sync.Once
	cmd      *exec.Cmd
	in       io.WriteCloser
	epoch    uint64
	started  time.Time

	wmu    sync.Mutex
	nextID atomic.Uint32

	ready    chan struct{} // closed once the module is initialised in it
	needInit bool
	initErr  error

	pmu      sync.Mutex
	pending  map[uint32]*hostCall
	inflight int
	// One timer watches the deadlines of all the calls in flight, armed
	// for the earliest: a timer per call would cost each call a timer
	// set and stopped, and the wake-up of a thread to reset the runtime's
	// sleep.
	timer    *time.Timer
	timerAt  time.Time     // when timer fires; zero when it is not armed
	dead     chan struct{} // closed when the reader ends
	deadErr  error         // why, set before dead is closed
	exited   chan struct{} // closed when the process was reaped
	exitErr  error
	errDone  chan struct{} // closed when standard error ended
	signal   string        // the fatal signal the host's runtime named; under pmu
	lastLine string        // the last line it wrote to standard error; under pmu
}

type hostReply struct {
	status byte
	body   []byte
	fail   *ModuleFailure // the call passed its deadline
}

// hostCall is a call waiting for its reply.
type hostCall struct {
	ch       chan hostReply // buffered: one reply
	op       byte
	timeout  time.Duration
	deadline time.Time // zero for none
}

func loadIsolated(iso Isolation) loader {
	iso = iso.withDefaults()
	return func(path string) (backend, error) {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		return &hostBackend{path: path, iso: iso, sess: map[uint]hostSession{}}, nil
	}
}

// hostStartRetry is how long start waits before its second attempt.
const hostStartRetry = 100 * time.Millisecond

// beforeHostStartRetry, when set (by tests), runs before that attempt.
var beforeHostStartRetry func()

// start runs a new host. A host that cannot be started is tried once
// more a moment later: creating a process can fail for a moment (a
// virus scanner holding the program, Wine's loader), and a module whose
// host did not start is unusable until the next restart. The caller
// holds b.mu.
func (b *hostBackend) start() (*hostProc, error) {
	p, err := b.startOnce()
	if err == nil {
		return p, nil
	}
	fmt.Fprintf(os.Stderr, "pkcs11: %s: cannot start the host, trying once more: %v\n", b.path, err)
	time.Sleep(hostStartRetry)
	if beforeHostStartRetry != nil {
		beforeHostStartRetry()
	}
	return b.startOnce()
}

// startOnce runs a new host. The caller holds b.mu.
func (b *hostBackend) startOnce() (*hostProc, error) {
	args := append(append([]string(nil), b.iso.Command[1:]...), b.path)
	cmd := exec.Command(b.iso.Command[0], args...)
	cmd.Env = append(os.Environ(), b.iso.Env...)
	errOut, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	childproc.NoConsole(cmd)
	// The channel: two pipes whose child ends only the host inherits.
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b.epoch++
	b.gen.Add(1)
	p := &hostProc{b: b, cmd: cmd, in: in, epoch: b.epoch, started: time.Now(),
		pending: map[uint32]*hostCall{}, dead: make(chan struct{}), exited: make(chan struct{}),
		ready: make(chan struct{}), errDone: make(chan struct{})}
	p.spin = &spinReader{r: out, poll: spinPoll(out)}
	p.out = newFrameReader(p.spin)
	p.reading = make(chan struct{}, 1)
	p.reading <- struct{}{}
	go p.readErr(errOut)
	go func() {
		// The host ends: its standard error ends with it (or the reader of
		// a reply sees the end of its output first). Wait closes the
		// standard error pipe: read it to its end first (unless a process
		// the module started keeps it open).
		select {
		case <-p.errDone:
		case <-p.dead:
			select {
			case <-p.errDone:
			case <-time.After(2 * time.Second):
			}
		}
		p.exitErr = cmd.Wait()
		p.ended(io.EOF)
		close(p.exited)
	}()
	return p, nil
}

// readUntil reads replies, passing each to its call, until the reply to
// the call id comes or the host's output ends. The caller holds reading.
func (p *hostProc) readUntil(id uint32) {
	for {
		rid, status, body, _, err := p.out.next()
		if err != nil {
			p.ended(err)
			return
		}
		p.pmu.Lock()
		c := p.pending[rid]
		delete(p.pending, rid)
		p.pmu.Unlock()
		if c != nil {
			c.ch <- hostReply{status: status, body: body}
		}
		if rid == id {
			return
		}
	}
}

// ended records that the host's channel ended, once.
func (p *hostProc) ended(err error) {
	p.deadOnce.Do(func() {
		p.pmu.Lock()
		p.deadErr = err
		if p.timer != nil {
			p.timer.Stop()
			p.timerAt = time.Time{}
		}
		p.pmu.Unlock()
		close(p.dead)
	})
}

// fatalSignal finds the Go runtime's line on a fatal signal, such as
// "SIGSEGV: segmentation violation" or "[signal SIGSEGV: segmentation
// violation code=0x1 addr=0x0 pc=0x7f...]".
var fatalSignal = regexp.MustCompile(`SIG[A-Z]+: [a-z ]+[a-z]`)

// readErr passes the host's standard error on to ours and notes the
// fatal signal it names.
func (p *hostProc) readErr(r io.Reader) {
	defer close(p.errDone)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		p.pmu.Lock()
		if sig := crashLine(line); sig != "" && p.signal == "" {
			p.signal = sig
		}
		if strings.TrimSpace(line) != "" {
			p.lastLine = line
		}
		p.pmu.Unlock()
		fmt.Fprintln(os.Stderr, line)
	}
	io.Copy(io.Discard, r)
}

// kill ends the host; read then sees the end of its output.
func (p *hostProc) kill() {
	p.in.Close()
	if p.cmd.Process != nil {
		p.cmd.Process.Kill()
	}
}

// exitReason describes how the host ended, waiting briefly for the
// process to be reaped so that the signal is known (longer than the
// reaper waits for the end of standard error).
func (p *hostProc) exitReason() string {
	select {
	case <-p.exited:
	case <-time.After(3 * time.Second):
		return "the host closed its channel"
	}
	status := "exited"
	if p.exitErr != nil {
		status = p.exitErr.Error()
	}
	p.pmu.Lock()
	sig, last := p.signal, p.lastLine
	p.pmu.Unlock()
	if sig == "" {
		sig = exitException(p.exitErr)
	}
	if sig != "" {
		return fmt.Sprintf("the host crashed: %s (%s)", sig, status)
	}
	if last != "" {
		return fmt.Sprintf("the host ended: %s: %s", status, last)
	}
	return "the host ended: " + status
}

// get returns the running host, starting one when none runs and the
// back-off allows; after a restart the module is initialised in the new
// host before any other call reaches it.
func (b *hostBackend) get(op byte) (*hostProc, error) {
	b.mu.Lock()
	p := b.proc
	starter := false
	if p == nil {
		var err error
		if p, err = b.startLocked(op); err != nil {
			b.mu.Unlock()
			return nil, err
		}
		starter = true
	}
	b.mu.Unlock()
	if starter {
		if p.needInit {
			rep, err := b.roundTrip(p, opInitialize, newEnc(0, opInitialize), b.iso.CallTimeout)
			if err == nil {
				err = replyErr(rep)
			}
			if err != nil && !errors.Is(err, ErrModuleFailed) {
				// The module refuses to start again: this host is no use.
				b.mu.Lock()
				err = b.failed(p, opInitialize, "C_Initialize: "+err.Error())
				b.mu.Unlock()
			}
			p.initErr = err
		}
		close(p.ready)
	}
	<-p.ready
	if p.initErr != nil {
		return nil, p.initErr
	}
	return p, nil
}

// startLocked starts a host. The caller holds b.mu.
func (b *hostBackend) startLocked(op byte) (*hostProc, error) {
	if b.closed {
		return nil, &Error{Op: opName(op), Code: p11.CKR_CRYPTOKI_NOT_INITIALIZED, Kind: ErrModuleLoad}
	}
	if wait := time.Until(b.notBefore); wait > 0 {
		return nil, &ModuleFailure{Module: b.path, Op: opName(op), Time: time.Now(),
			Reason: fmt.Sprintf("restarting in %s", wait.Round(time.Millisecond))}
	}
	p, err := b.start()
	if err != nil {
		return nil, &ModuleFailure{Module: b.path, Op: opName(op), Time: time.Now(), Reason: "cannot start the host: " + err.Error()}
	}
	// After a restart the module starts from nothing in the new host.
	p.needInit = b.inited && op != opInitialize
	b.proc = p
	b.sess = map[uint]hostSession{}
	return p, nil
}

// failed records that p failed during op (or was recycled when op is 0)
// and kills it. The caller holds b.mu.
func (b *hostBackend) failed(p *hostProc, op byte, reason string) *ModuleFailure {
	f := &ModuleFailure{Module: b.path, Reason: reason, Time: time.Now()}
	if op != 0 {
		f.Op = opName(op)
	}
	if b.proc != p {
		return f // someone else saw it first
	}
	b.proc = nil
	b.gen.Add(1)
	p.kill()
	b.lastFailure = f
	b.restarts++
	if time.Since(p.started) > time.Minute {
		b.failStreak = 0
	}
	if op != 0 {
		// A host that keeps failing waits longer each time: 0, 0.5 s, 1 s, ...
		if b.failStreak > 0 {
			d := 250 * time.Millisecond << min(b.failStreak, 16)
			b.notBefore = time.Now().Add(min(d, b.iso.MaxBackoff))
		}
		b.failStreak++
	}
	if cb := b.iso.OnFailure; cb != nil {
		go cb(*f)
	}
	return f
}

// timeout is op's deadline; zero for none (a blocking slot event wait).
func (b *hostBackend) timeout(op byte, e *enc) time.Duration {
	switch op {
	case opLogin, opSignInit, opSign, opSignInitSign, opCreateObject, opDestroyObject:
		return b.iso.SlowCallTimeout
	case opWaitForSlotEvent:
		if len(e.b) >= 17 && e.b[16]&byte(p11.CKF_DONT_BLOCK) == 0 {
			return 0
		}
	}
	return b.iso.CallTimeout
}

// call sends op with the arguments in e to the host and returns the
// results.
func (b *hostBackend) call(op byte, e *enc) (*dec, error) {
	p, err := b.get(op)
	if err != nil {
		return nil, err
	}
	return b.callOn(p, op, e)
}

// callOn sends op to the host p.
func (b *hostBackend) callOn(p *hostProc, op byte, e *enc) (*dec, error) {
	rep, err := b.roundTrip(p, op, e, b.timeout(op, e))
	if err != nil {
		return nil, err
	}
	b.afterCall(p)
	if err := replyErr(rep); err != nil {
		return nil, err
	}
	return &dec{b: rep.body}, nil
}

// roundTrip sends one request to p and waits for the answer, the end
// of p or the deadline.
func (b *hostBackend) roundTrip(p *hostProc, op byte, e *enc, timeout time.Duration) (hostReply, error) {
	id := p.nextID.Add(1)
	e.b[8] = op
	frame := e.finish()
	frame[4], frame[5], frame[6], frame[7] = byte(id>>24), byte(id>>16), byte(id>>8), byte(id)
	c := &hostCall{ch: make(chan hostReply, 1), op: op, timeout: timeout}
	if timeout > 0 {
		c.deadline = time.Now().Add(timeout)
	}
	ch := c.ch
	p.pmu.Lock()
	select {
	case <-p.dead:
		p.pmu.Unlock()
		return hostReply{}, b.lost(p, op)
	default:
	}
	// A blocking wait for slot events is not a call in progress: the
	// limits are checked between the others.
	counted := timeout > 0
	p.pending[id] = c
	if counted {
		p.inflight++
		p.watchLocked(c.deadline)
	}
	p.pmu.Unlock()
	defer func() {
		p.pmu.Lock()
		delete(p.pending, id)
		if counted {
			p.inflight--
		}
		p.pmu.Unlock()
	}()
	start := time.Now()
	if counted {
		defer func() { b.slow.record(op, time.Since(start)) }()
	}
	p.wmu.Lock()
	_, werr := p.in.Write(frame)
	p.wmu.Unlock()
	if secretOp(op) {
		wipe(frame)
	}
	if werr != nil {
		return hostReply{}, b.lost(p, op)
	}
	for {
		select {
		case rep := <-ch:
			return rep.result()
		case <-p.reading:
			select {
			case rep := <-ch:
				// The reply came meanwhile.
				p.reading <- struct{}{}
				return rep.result()
			default:
			}
			p.spin.until = time.Time{}
			if counted && b.slow.quick(op) {
				p.spin.until = start.Add(replySpin)
			}
			p.readUntil(id)
			p.reading <- struct{}{}
		case <-p.dead:
			// The reply may have come just before the end.
			select {
			case rep := <-ch:
				return rep.result()
			default:
			}
			return hostReply{}, b.lost(p, op)
		}
	}
}

// result is the reply, or the failure of a call past its deadline.
func (rep hostReply) result() (hostReply, error) {
	if rep.fail != nil {
		return hostReply{}, rep.fail
	}
	return rep, nil
}

// watchLocked makes sure that the deadline timer fires by deadline. The
// caller holds p.pmu.
func (p *hostProc) watchLocked(deadline time.Time) {
	if !p.timerAt.IsZero() && !deadline.Before(p.timerAt) {
		return
	}
	p.timerAt = deadline
	if p.timer == nil {
		p.timer = time.AfterFunc(time.Until(deadline), p.expire)
	} else {
		p.timer.Reset(time.Until(deadline))
	}
}

// expire runs when the deadline timer fires: the calls past their
// deadline fail, which kills the host (the calls still in flight then
// fail as it ends), and the timer is armed again for the earliest
// deadline left.
func (p *hostProc) expire() {
	now := time.Now()
	var late []*hostCall
	var next time.Time
	p.pmu.Lock()
	for id, c := range p.pending {
		switch {
		case c.deadline.IsZero():
		case !c.deadline.After(now):
			late = append(late, c)
			delete(p.pending, id)
		case next.IsZero() || c.deadline.Before(next):
			next = c.deadline
		}
	}
	p.timerAt = time.Time{}
	if !next.IsZero() {
		p.watchLocked(next)
	}
	p.pmu.Unlock()
	if len(late) == 0 {
		return
	}
	b := p.b
	b.mu.Lock()
	f := b.failed(p, late[0].op, fmt.Sprintf("no answer within %s", late[0].timeout))
	b.mu.Unlock()
	for i, c := range late {
		if i > 0 {
			g := *f
			g.Op = opName(c.op)
			g.Reason = fmt.Sprintf("no answer within %s", c.timeout)
			f = &g
		}
		c.ch <- hostReply{fail: f}
	}
}

// lost reports a host whose channel ended during op.
func (b *hostBackend) lost(p *hostProc, op byte) error {
	reason := p.exitReason()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed && b.proc == p {
		b.proc = nil
		return &Error{Op: opName(op), Code: p11.CKR_CRYPTOKI_NOT_INITIALIZED, Kind: ErrModuleLoad}
	}
	if b.proc != p && b.lastFailure != nil && b.lastFailure.Time.After(p.started) {
		// Killed after a deadline or for a limit: say so.
		f := *b.lastFailure
		f.Op = opName(op)
		return &f
	}
	return b.failed(p, blamedOp(p, op), reason)
}

// blamedOp is the call a host's failure is recorded under: op, the call
// that saw the channel end, unless that is the background wait for slot
// events and another call was in flight, which is then the one the module
// failed in (a signature, say).
func blamedOp(p *hostProc, op byte) byte {
	if op != opWaitForSlotEvent {
		return op
	}
	p.pmu.Lock()
	defer p.pmu.Unlock()
	for _, c := range p.pending {
		if c.op != opWaitForSlotEvent {
			return c.op
		}
	}
	return op
}

// afterCall restarts the host between calls when it has passed a limit.
func (b *hostBackend) afterCall(p *hostProc) {
	p.pmu.Lock()
	idle := p.inflight == 0
	p.pmu.Unlock()
	if !idle || (b.iso.MaxRSS < 0 && b.iso.MaxHandles < 0) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.proc != p || time.Since(b.lastCheck) < b.iso.CheckInterval {
		return
	}
	b.lastCheck = time.Now()
	rss, handles, ok := processUsage(p.cmd.Process.Pid)
	if !ok {
		return
	}
	var reason string
	switch {
	case b.iso.MaxRSS > 0 && rss > b.iso.MaxRSS:
		reason = fmt.Sprintf("memory limit: %d MiB resident, limit %d MiB", rss>>20, b.iso.MaxRSS>>20)
	case b.iso.MaxHandles > 0 && handles > b.iso.MaxHandles:
		reason = fmt.Sprintf("handle limit: %d open, limit %d", handles, b.iso.MaxHandles)
	default:
		return
	}
	b.failed(p, 0, reason)
}

// replyErr turns a reply's status into the error the module returned.
func replyErr(rep hostReply) error {
	switch rep.status {
	case statusOK:
		return nil
	case statusCKR:
		d := &dec{b: rep.body}
		code := d.u64()
		if d.err != nil {
			return d.err
		}
		return p11.Error(code)
	}
	d := &dec{b: rep.body}
	return errors.New(d.str())
}

// health fills in the host's state.
func (b *hostBackend) health(h *ModuleHealth) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h.Isolated = true
	if b.proc != nil && b.proc.cmd.Process != nil {
		h.PID = b.proc.cmd.Process.Pid
	}
	h.Restarts = b.restarts
	if b.lastFailure != nil {
		f := *b.lastFailure
		h.LastFailure = &f
	}
}

// sessionCall makes a call whose first argument is a session handle,
// on the host that opened the session. A session of a host that is gone
// is invalid.
func (b *hostBackend) sessionCall(op byte, sh p11.SessionHandle, args func(e *enc)) (*dec, error) {
	b.mu.Lock()
	s, ok := b.sess[uint(sh)]
	p := b.proc
	b.mu.Unlock()
	if !ok || p == nil || s.epoch != p.epoch {
		return nil, p11.Error(p11.CKR_SESSION_HANDLE_INVALID)
	}
	e := newEnc(0, op)
	e.uint(s.remote)
	if args != nil {
		args(e)
	}
	return b.callOn(p, op, e)
}

func (b *hostBackend) Initialize() error {
	b.mu.Lock()
	b.inited = true
	b.mu.Unlock()
	_, err := b.call(opInitialize, newEnc(0, opInitialize))
	return err
}

// Finalize finalises the module; no new host is started after it (the
// module is being unloaded: Destroy follows).
func (b *hostBackend) Finalize() error {
	b.mu.Lock()
	b.inited = false
	p := b.proc
	b.mu.Unlock()
	var err error
	if p != nil {
		_, err = b.callOn(p, opFinalize, newEnc(0, opFinalize))
	}
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return err
}

// Destroy ends the host: its channel is closed, and the process is
// killed when it has not ended a few seconds later.
func (b *hostBackend) Destroy() {
	b.mu.Lock()
	b.closed = true
	p := b.proc
	b.mu.Unlock()
	if p == nil {
		return
	}
	p.in.Close()
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		p.kill()
	}
}

func (b *hostBackend) GetInfo() (p11.Info, error) {
	d, err := b.call(opGetInfo, newEnc(0, opGetInfo))
	if err != nil {
		return p11.Info{}, err
	}
	v := decInfo(d)
	return v, d.err
}

func (b *hostBackend) GetSlotList(present bool) ([]uint, error) {
	e := newEnc(0, opGetSlotList)
	if present {
		e.u64(1)
	} else {
		e.u64(0)
	}
	d, err := b.call(opGetSlotList, e)
	if err != nil {
		return nil, err
	}
	n := d.count()
	out := make([]uint, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.uint())
	}
	return out, d.err
}

func (b *hostBackend) GetSlotInfo(slot uint) (p11.SlotInfo, error) {
	e := newEnc(0, opGetSlotInfo)
	e.uint(slot)
	d, err := b.call(opGetSlotInfo, e)
	if err != nil {
		return p11.SlotInfo{}, err
	}
	v := decSlotInfo(d)
	return v, d.err
}

func (b *hostBackend) GetTokenInfo(slot uint) (p11.TokenInfo, error) {
	e := newEnc(0, opGetTokenInfo)
	e.uint(slot)
	d, err := b.call(opGetTokenInfo, e)
	if err != nil {
		return p11.TokenInfo{}, err
	}
	v := decTokenInfo(d)
	return v, d.err
}

func (b *hostBackend) GetMechanismList(slot uint) ([]*p11.Mechanism, error) {
	e := newEnc(0, opGetMechanismList)
	e.uint(slot)
	d, err := b.call(opGetMechanismList, e)
	if err != nil {
		return nil, err
	}
	n := d.count()
	out := make([]*p11.Mechanism, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, p11.NewMechanism(d.uint(), nil))
	}
	return out, d.err
}

func (b *hostBackend) OpenSession(slot uint, flags uint) (p11.SessionHandle, error) {
	e := newEnc(0, opOpenSession)
	e.uint(slot)
	e.uint(flags)
	p, err := b.get(opOpenSession)
	if err != nil {
		return 0, err
	}
	d, err := b.callOn(p, opOpenSession, e)
	if err != nil {
		return 0, err
	}
	r := d.uint()
	if d.err != nil {
		return 0, d.err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.proc != p {
		// The host went away meanwhile: the session went with it.
		return 0, &ModuleFailure{Module: b.path, Op: "C_OpenSession", Reason: "the host was restarted", Time: time.Now()}
	}
	b.sessNext++
	b.sess[b.sessNext] = hostSession{epoch: p.epoch, remote: r}
	return p11.SessionHandle(b.sessNext), nil
}

func (b *hostBackend) CloseSession(sh p11.SessionHandle) error {
	_, err := b.sessionCall(opCloseSession, sh, nil)
	b.mu.Lock()
	delete(b.sess, uint(sh))
	b.mu.Unlock()
	return err
}

func (b *hostBackend) Login(sh p11.SessionHandle, userType uint, pin []byte) error {
	_, err := b.sessionCall(opLogin, sh, func(e *enc) {
		e.uint(userType)
		e.bytes(pin)
	})
	return err
}

func (b *hostBackend) Logout(sh p11.SessionHandle) error {
	_, err := b.sessionCall(opLogout, sh, nil)
	return err
}

func (b *hostBackend) GetSessionInfo(sh p11.SessionHandle) (p11.SessionInfo, error) {
	d, err := b.sessionCall(opGetSessionInfo, sh, nil)
	if err != nil {
		return p11.SessionInfo{}, err
	}
	v := p11.SessionInfo{SlotID: d.uint(), State: d.uint(), Flags: d.uint(), DeviceError: d.uint()}
	return v, d.err
}

func (b *hostBackend) FindObjectsInit(sh p11.SessionHandle, temp []*p11.Attribute) error {
	_, err := b.sessionCall(opFindObjectsInit, sh, func(e *enc) { e.attrs(temp) })
	return err
}

func (b *hostBackend) FindObjects(sh p11.SessionHandle, max int) ([]p11.ObjectHandle, bool, error) {
	d, err := b.sessionCall(opFindObjects, sh, func(e *enc) { e.uint(uint(max)) })
	if err != nil {
		return nil, false, err
	}
	n := d.count()
	out := make([]p11.ObjectHandle, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, p11.ObjectHandle(d.uint()))
	}
	more := d.u64() != 0
	return out, more, d.err
}

func (b *hostBackend) FindObjectsFinal(sh p11.SessionHandle) error {
	_, err := b.sessionCall(opFindObjectsFinal, sh, nil)
	return err
}

func (b *hostBackend) GetAttributeValue(sh p11.SessionHandle, o p11.ObjectHandle, a []*p11.Attribute) ([]*p11.Attribute, error) {
	d, err := b.sessionCall(opGetAttributeValue, sh, func(e *enc) {
		e.uint(uint(o))
		e.attrs(a)
	})
	if err != nil {
		return nil, err
	}
	v := d.attrs()
	return v, d.err
}

func (b *hostBackend) SignInit(sh p11.SessionHandle, m []*p11.Mechanism, o p11.ObjectHandle) error {
	if len(m) != 1 {
		return p11.Error(p11.CKR_MECHANISM_INVALID)
	}
	_, err := b.sessionCall(opSignInit, sh, func(e *enc) {
		e.uint(m[0].Mechanism)
		e.bytes(m[0].Parameter)
		e.uint(uint(o))
	})
	return err
}

func (b *hostBackend) Sign(sh p11.SessionHandle, message []byte) ([]byte, error) {
	d, err := b.sessionCall(opSign, sh, func(e *enc) { e.bytes(message) })
	if err != nil {
		return nil, err
	}
	v := d.bytes()
	if d.err != nil {
		return nil, d.err
	}
	return append([]byte(nil), v...), nil
}

// SignInitSign runs C_SignInit and C_Sign in one round trip.
func (b *hostBackend) SignInitSign(sh p11.SessionHandle, mech uint, o p11.ObjectHandle, message []byte) ([]byte, string, error) {
	d, err := b.sessionCall(opSignInitSign, sh, func(e *enc) {
		e.uint(mech)
		e.uint(uint(o))
		e.bytes(message)
	})
	if err != nil {
		return nil, "C_Sign", err
	}
	stage, code, sig := d.u64(), d.u64(), d.bytes()
	if d.err != nil {
		return nil, "C_Sign", d.err
	}
	switch stage {
	case 0:
		return append([]byte(nil), sig...), "C_Sign", nil
	case 1:
		return nil, "C_SignInit", p11.Error(code)
	}
	return nil, "C_Sign", p11.Error(code)
}

// CreateObject sends the template to the host; the frame holding it is
// wiped once written (see roundTrip).
func (b *hostBackend) CreateObject(sh p11.SessionHandle, temp []*p11.Attribute) (p11.ObjectHandle, error) {
	d, err := b.sessionCall(opCreateObject, sh, func(e *enc) {
		e.grow(attrsSize(temp))
		e.attrs(temp)
	})
	if err != nil {
		return 0, err
	}
	v := d.uint()
	return p11.ObjectHandle(v), d.err
}

func (b *hostBackend) DestroyObject(sh p11.SessionHandle, o p11.ObjectHandle) error {
	_, err := b.sessionCall(opDestroyObject, sh, func(e *enc) { e.uint(uint(o)) })
	return err
}

func (b *hostBackend) WaitForSlotEvent(flags uint) (uint, error) {
	e := newEnc(0, opWaitForSlotEvent)
	e.uint(flags)
	d, err := b.call(opWaitForSlotEvent, e)
	if err != nil {
		return 0, err
	}
	v := d.uint()
	return v, d.err
}
