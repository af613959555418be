package pkcs11

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
	"time"
)

// pollRecorder is a poller that answers as told and counts its calls.
type pollRecorder struct {
	calls int
	data  []byte
	done  bool
}

func (r *pollRecorder) poll(p []byte, until time.Time) (int, bool, error) {
	r.calls++
	if !r.done {
		return 0, false, nil
	}
	return copy(p, r.data), true, nil
}

func TestSpinReaderPollsOnlyBeforeItsDeadline(t *testing.T) {
	rec := &pollRecorder{data: []byte("polled"), done: true}
	s := &spinReader{r: bytes.NewReader([]byte("blocked")), poll: rec.poll}
	buf := make([]byte, 16)

	// No deadline: straight to the blocking read.
	n, err := s.Read(buf)
	if err != nil || string(buf[:n]) != "blocked" || rec.calls != 0 {
		t.Fatalf("without a deadline: %q, %v, %d polls", buf[:n], err, rec.calls)
	}
	// A deadline passed: no polling either.
	s.r = bytes.NewReader([]byte("blocked"))
	s.until = time.Now().Add(-time.Millisecond)
	if n, _ = s.Read(buf); string(buf[:n]) != "blocked" || rec.calls != 0 {
		t.Fatalf("after the deadline: %q, %d polls", buf[:n], rec.calls)
	}
	// Before the deadline the poller answers.
	s.until = time.Now().Add(time.Hour)
	if n, _ = s.Read(buf); string(buf[:n]) != "polled" || rec.calls != 1 {
		t.Fatalf("before the deadline: %q, %d polls", buf[:n], rec.calls)
	}
	// A poller that gives up hands over to the blocking read.
	rec.done = false
	s.r = bytes.NewReader([]byte("blocked"))
	if n, _ = s.Read(buf); string(buf[:n]) != "blocked" || rec.calls != 2 {
		t.Fatalf("after the poller gave up: %q, %d polls", buf[:n], rec.calls)
	}
}

func TestQuickOpsForgetsSlowCallsOnceTheyAreQuickAgain(t *testing.T) {
	var q quickOps
	if !q.quick(opSignInitSign) {
		t.Fatal("an unknown call is not counted as quick")
	}
	q.record(opSignInitSign, 100*time.Millisecond)
	if q.quick(opSignInitSign) {
		t.Fatal("a call answered in 100 ms still counts as quick")
	}
	if !q.quick(opFindObjects) {
		t.Fatal("a slow signature made another call slow")
	}
	q.record(opSignInitSign, replySpin/4)
	if !q.quick(opSignInitSign) {
		t.Fatal("a quick answer after a slow one did not count")
	}
}

// A host's answer that arrives while the call polls ends the polling:
// read by the poller itself, or left to the blocking read that follows.
// A poller that missed it would poll until the test's deadline.
func TestSpinPollReadsAPipe(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	poll := spinPoll(pr)
	if poll == nil {
		t.Skip("no polling here: one processor, or a system without it")
	}
	go func() {
		time.Sleep(20 * time.Microsecond)
		pw.Write([]byte("reply"))
	}()
	buf := make([]byte, 16)
	n, done, err := poll(buf, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	if !done {
		// Windows leaves the bytes waiting to the read, which returns
		// at once; on Linux the poller reads them itself.
		if runtime.GOOS == "linux" {
			t.Fatal("the poller gave up before its deadline with data on the way")
		}
		if n, err = pr.Read(buf); err != nil {
			t.Fatalf("read after polling: %v", err)
		}
	}
	if string(buf[:n]) != "reply" {
		t.Fatalf("read %q", buf[:n])
	}
	// Nothing to read and the deadline passed: the poller gives up.
	if n, done, err := poll(buf, time.Now()); done || n != 0 || err != nil {
		t.Fatalf("poll past the deadline: %d, %v, %v", n, done, err)
	}
	// The end of the channel is seen by the poller or the read after it.
	pw.Close()
	if _, done, err = poll(buf, time.Now().Add(time.Hour)); !done {
		_, err = pr.Read(buf)
	}
	if !errors.Is(err, io.EOF) {
		t.Fatalf("at the end: %v, want EOF", err)
	}
}
