package verifyserver

import (
	"io"
	"sync"
	"time"
)

// Defaults of NewLogWriter's batching.
const (
	// DefaultLogDelay is the longest a log line waits before it is
	// written.
	DefaultLogDelay = 100 * time.Millisecond
	// logBatch is how much is gathered at most before it is written.
	logBatch = 32 << 10
)

// LogWriter gathers what is written to it, log lines, and writes it to
// the writer under it in batches: DefaultLogDelay after the first line of
// a batch, or as soon as logBatch bytes have gathered, or on Flush. Each
// write of the service's log to standard error is a system call that
// wakes whatever reads it (journald, a pipe): under load, one per request
// costs the service a few per cent of its CPU; batched, a few per second.
// What is written goes out in the order written. A write error of the
// writer under it is returned by the next Write or Flush.
//
// Its methods are safe for concurrent use. Its owner calls Flush before
// it exits: what is not flushed is lost.
type LogWriter struct {
	w     io.Writer
	delay time.Duration

	mu    sync.Mutex
	buf   []byte
	armed bool // the timer will flush buf
	timer *time.Timer
	err   error
}

// NewLogWriter returns a LogWriter over w that writes a line at most
// delay after it was written to it (DefaultLogDelay when delay is not
// positive).
func NewLogWriter(w io.Writer, delay time.Duration) *LogWriter {
	if delay <= 0 {
		delay = DefaultLogDelay
	}
	l := &LogWriter{w: w, delay: delay}
	l.timer = time.AfterFunc(time.Hour, func() { l.Flush() })
	l.timer.Stop()
	return l
}

func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return 0, l.err
	}
	l.buf = append(l.buf, p...)
	if len(l.buf) >= logBatch {
		return len(p), l.flushLocked()
	}
	if !l.armed {
		l.armed = true
		l.timer.Reset(l.delay)
	}
	return len(p), nil
}

// Flush writes what has gathered.
func (l *LogWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flushLocked()
}

func (l *LogWriter) flushLocked() error {
	if l.armed {
		l.armed = false
		l.timer.Stop()
	}
	if len(l.buf) == 0 || l.err != nil {
		return l.err
	}
	_, l.err = l.w.Write(l.buf)
	if cap(l.buf) > 2*logBatch {
		l.buf = nil
	} else {
		l.buf = l.buf[:0]
	}
	return l.err
}
