package pkcs11

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	p11 "github.com/miekg/pkcs11"
)

// ServeHost is the module host's serving loop: it loads the module at
// path into this process and answers the calls that arrive on r, writing
// the replies to w, until r ends (the agent closed the channel or went
// away). Calls run side by side, each in a goroutine of its own, so that
// calls on different sessions run in parallel as they would in the agent. It is
// meant for a process that does nothing else: a module that crashes
// takes the process with it, which is the point.
//
// The PIN of a Login is wiped from the request buffer once C_Login has
// returned.
//
// When r ends (the agent closed the channel, or was killed), the calls
// still running get hostDrain to finish, and the module is finalised,
// which ends a blocking C_WaitForSlotEvent (PKCS#11 asks that of
// C_Finalize; the agent always has one running); a call that still does
// not end (a driver hung in it) must not keep the process and the module
// alive with nobody left to answer: ServeHost returns after at most
// another hostDrain, leaving the module loaded if a call is still inside
// it (unloading it under a running call would crash the process). For the
// same reason a C_Finalize the agent sends does not wait for a blocking
// wait for slot events, which only it can end.
func ServeHost(path string, r io.Reader, w io.Writer) error {
	be, err := loadMiekg(path)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrModuleLoad, path, err)
	}
	s := newHostServer(be, r, w)
	go s.read()
	err = <-s.end
	within := func(wg *sync.WaitGroup) bool {
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
			return true
		case <-time.After(hostDrain):
			return false
		}
	}
	within(&s.calls)
	if s.initialized {
		be.Finalize()
	}
	if within(&s.calls) && within(&s.waits) {
		be.Destroy()
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// hostDrain is how long a host whose channel ended waits for the calls
// still running, before and after finalising the module.
const hostDrain = time.Second

// handOff is how long a call runs on the reading goroutine before the
// reading is handed on to a new goroutine, so that the next request is
// read and runs beside it.
const handOff = 200 * time.Microsecond

// read reads requests, one goroutine at a time, and runs each call on
// the goroutine that read it: a quick call (most are) costs no hand-over
// between threads. A call still running after handOff hands the reading
// on to a new goroutine, so that calls of other sessions run beside it;
// its goroutine then ends with the call.
func (s *hostServer) read() {
	s.spin.until = time.Time{}
	for {
		id, op, body, frame, err := s.r.next()
		if err != nil {
			s.end <- err
			return
		}
		if op == opInitialize || op == opFinalize {
			// Module-wide calls run alone: no other call is in flight.
			// A blocking wait for slot events may be: C_Finalize is what
			// ends it (PKCS#11 asks that of C_Finalize), so it is not
			// waited for.
			s.calls.Wait()
			s.serve(id, op, body)
			continue
		}
		const running, finished, handedOn = 0, 1, 2
		var state atomic.Int32
		wg := &s.calls
		if op == opWaitForSlotEvent {
			wg = &s.waits
		}
		wg.Add(1)
		t := time.AfterFunc(handOff, func() {
			if state.CompareAndSwap(running, handedOn) {
				go s.read()
			}
		})
		s.serve(id, op, body)
		if secretOp(op) {
			wipe(frame)
		}
		t.Stop()
		wg.Done()
		if !state.CompareAndSwap(running, finished) {
			return // another goroutine reads now
		}
		// The agent's next call often follows at once (a batch of
		// signatures, a listing): poll for it a moment before sleeping.
		s.spin.until = time.Now().Add(replySpin)
	}
}

type hostServer struct {
	be          backend
	initialized bool           // only touched by module-wide calls, which run alone
	r           *frameReader   // used by the goroutine reading now
	spin        *spinReader    // under r; its deadline is set by the goroutine reading now
	end         chan error     // the reading ended
	calls       sync.WaitGroup // calls running, but for waits for slot events
	waits       sync.WaitGroup // C_WaitForSlotEvent calls running
	wmu         sync.Mutex
	w           io.Writer
}

func newHostServer(be backend, r io.Reader, w io.Writer) *hostServer {
	spin := &spinReader{r: r, poll: spinPoll(r)}
	return &hostServer{be: be, r: newFrameReader(spin), spin: spin, w: w, end: make(chan error, 1)}
}

// serve runs one call and writes its reply.
func (s *hostServer) serve(id uint32, op byte, body []byte) {
	d := &dec{b: body}
	e := newEnc(id, statusOK)
	err := s.call(op, d, e)
	if err == nil && d.err != nil {
		err = d.err
	}
	if err != nil {
		e = newEnc(id, statusFailed)
		if code, ok := codeOf(err); ok {
			e.b[8] = statusCKR
			e.u64(uint64(code))
		} else {
			e.str(err.Error())
		}
	}
	s.wmu.Lock()
	// A failed write means the agent is gone: the read loop ends next.
	s.w.Write(e.finish())
	s.wmu.Unlock()
}

// call decodes the arguments of op from d, makes the call and encodes
// the results into e.
func (s *hostServer) call(op byte, d *dec, e *enc) error {
	be := s.be
	switch op {
	case opInitialize:
		err := be.Initialize()
		if err == nil {
			s.initialized = true
		}
		return err
	case opFinalize:
		s.initialized = false
		return be.Finalize()
	case opGetInfo:
		v, err := be.GetInfo()
		encInfo(e, v)
		return err
	case opGetSlotList:
		v, err := be.GetSlotList(d.u64() != 0)
		e.count(len(v))
		for _, sl := range v {
			e.uint(sl)
		}
		return err
	case opGetSlotInfo:
		v, err := be.GetSlotInfo(d.uint())
		encSlotInfo(e, v)
		return err
	case opGetTokenInfo:
		v, err := be.GetTokenInfo(d.uint())
		encTokenInfo(e, v)
		return err
	case opGetMechanismList:
		v, err := be.GetMechanismList(d.uint())
		e.count(len(v))
		for _, m := range v {
			e.uint(m.Mechanism)
		}
		return err
	case opOpenSession:
		slot, flags := d.uint(), d.uint()
		if d.err != nil {
			return d.err
		}
		v, err := be.OpenSession(slot, flags)
		e.uint(uint(v))
		return err
	case opCloseSession:
		return be.CloseSession(p11.SessionHandle(d.uint()))
	case opLogin:
		sh, ut, pin := d.uint(), d.uint(), d.bytes()
		if d.err != nil {
			return d.err
		}
		err := be.Login(p11.SessionHandle(sh), ut, pin)
		wipe(pin)
		return err
	case opLogout:
		return be.Logout(p11.SessionHandle(d.uint()))
	case opGetSessionInfo:
		v, err := be.GetSessionInfo(p11.SessionHandle(d.uint()))
		e.uint(v.SlotID)
		e.uint(v.State)
		e.uint(v.Flags)
		e.uint(v.DeviceError)
		return err
	case opFindObjectsInit:
		sh, temp := d.uint(), d.attrs()
		if d.err != nil {
			return d.err
		}
		return be.FindObjectsInit(p11.SessionHandle(sh), temp)
	case opFindObjects:
		sh, max := d.uint(), d.uint()
		if d.err != nil {
			return d.err
		}
		v, more, err := be.FindObjects(p11.SessionHandle(sh), int(min(max, 1<<16)))
		e.count(len(v))
		for _, h := range v {
			e.uint(uint(h))
		}
		if more {
			e.u64(1)
		} else {
			e.u64(0)
		}
		return err
	case opFindObjectsFinal:
		return be.FindObjectsFinal(p11.SessionHandle(d.uint()))
	case opGetAttributeValue:
		sh, o, temp := d.uint(), d.uint(), d.attrs()
		if d.err != nil {
			return d.err
		}
		v, err := be.GetAttributeValue(p11.SessionHandle(sh), p11.ObjectHandle(o), temp)
		e.attrs(v)
		return err
	case opSignInit:
		sh, mech, param, o := d.uint(), d.uint(), d.bytes(), d.uint()
		if d.err != nil {
			return d.err
		}
		m := p11.NewMechanism(mech, nil)
		if len(param) > 0 {
			m.Parameter = param
		}
		return be.SignInit(p11.SessionHandle(sh), []*p11.Mechanism{m}, p11.ObjectHandle(o))
	case opSign:
		sh, msg := d.uint(), d.bytes()
		if d.err != nil {
			return d.err
		}
		v, err := be.Sign(p11.SessionHandle(sh), msg)
		e.bytes(v)
		return err
	case opSignInitSign:
		sh, mech, o, msg := d.uint(), d.uint(), d.uint(), d.bytes()
		if d.err != nil {
			return d.err
		}
		out, op, err := signInitSign(be, p11.SessionHandle(sh), mech, p11.ObjectHandle(o), msg)
		switch {
		case err == nil:
			e.u64(0)
			e.u64(0)
		default:
			code, ok := codeOf(err)
			if !ok {
				return err
			}
			if op == "C_SignInit" {
				e.u64(1)
			} else {
				e.u64(2)
			}
			e.u64(uint64(code))
		}
		e.bytes(out)
		return nil
	case opCreateObject:
		sh, temp := d.uint(), d.attrs()
		defer wipeAttrs(temp)
		if d.err != nil {
			return d.err
		}
		v, err := be.CreateObject(p11.SessionHandle(sh), temp)
		e.uint(uint(v))
		return err
	case opDestroyObject:
		sh, o := d.uint(), d.uint()
		if d.err != nil {
			return d.err
		}
		return be.DestroyObject(p11.SessionHandle(sh), p11.ObjectHandle(o))
	case opWaitForSlotEvent:
		v, err := be.WaitForSlotEvent(d.uint())
		e.uint(v)
		return err
	}
	return fmt.Errorf("%w: unknown call %d", errWire, op)
}
