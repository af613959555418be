package pkcs11

import (
	"io"
	"sync/atomic"
	"time"
)

// A call to a module host that answers within a few tens of
// microseconds (a signature on a software token, a key lookup, a
// session's information) would spend longer waking the thread that
// waits for the answer than waiting: a thread that went to sleep on the
// pipe is woken by the kernel after the host wrote, and on a virtual
// machine an idle processor takes 40 µs or more to come back. So the
// call reading the host's output first polls the pipe for up to
// replySpin before it sleeps, when the previous call of the same kind
// was answered within that time: a token that takes 100 ms per signature
// (every real one) never spins after its first signature, and one that
// answers at once spins for no longer than it takes. Where polling is
// not available (neither Linux nor Windows, or one processor) the reader
// always sleeps.
const replySpin = 250 * time.Microsecond

// spinReader reads the host's output, polling for data until a deadline
// before it blocks. The poller either reads what arrived (done) or
// returns not done when the deadline passed or when the bytes that
// arrived are better taken by the blocking read (Windows). It is used by the goroutine holding hostProc.reading
// alone, which sets the deadline before it reads.
type spinReader struct {
	r     io.Reader
	poll  func(p []byte, until time.Time) (int, bool, error) // nil: never poll
	until time.Time                                          // poll until then; zero: block at once
}

func (s *spinReader) Read(p []byte) (int, error) {
	if s.poll != nil && !s.until.IsZero() && time.Now().Before(s.until) {
		if n, done, err := s.poll(p, s.until); done {
			return n, err
		}
	}
	return s.r.Read(p)
}

// quickOps remembers, per call, whether the host answered its last one
// within replySpin; unknown calls count as quick.
type quickOps [256]atomic.Bool // true: was slow

func (q *quickOps) quick(op byte) bool { return !q[op].Load() }

func (q *quickOps) record(op byte, took time.Duration) { q[op].Store(took > replySpin) }
