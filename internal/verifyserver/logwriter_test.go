package verifyserver

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that counts the writes made to it.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	err    error
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	if l.err != nil {
		return 0, l.err
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) state() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.writes
}

// TestLogWriterBatches: lines wait for Flush, for the batch to fill or
// for the delay, and then go out in one write, in order.
func TestLogWriterBatches(t *testing.T) {
	var under lockedBuffer
	l := NewLogWriter(&under, time.Hour)
	var want strings.Builder
	for i := range 100 {
		line := strings.Repeat("x", i) + "\n"
		want.WriteString(line)
		if n, err := l.Write([]byte(line)); n != len(line) || err != nil {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	if got, writes := under.state(); got != "" || writes != 0 {
		t.Fatalf("%d writes before Flush: %q", writes, got)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, writes := under.state(); got != want.String() || writes != 1 {
		t.Fatalf("%d writes after Flush, got %q", writes, got)
	}

	// A full batch goes out at once.
	big := bytes.Repeat([]byte("y"), logBatch)
	l.Write(big)
	if got, writes := under.state(); writes != 2 || !strings.HasSuffix(got, string(big)) {
		t.Fatalf("%d writes after a full batch", writes)
	}

	// With a short delay, a line goes out without Flush.
	l = NewLogWriter(&under, 10*time.Millisecond)
	l.Write([]byte("late line\n"))
	waitFor(t, "the delayed line", func() bool {
		got, _ := under.state()
		return strings.HasSuffix(got, "late line\n")
	})

	// The error of a write under it shows on the next call.
	under.mu.Lock()
	under.err = errors.New("disk full")
	under.mu.Unlock()
	l.Write([]byte("lost\n"))
	if err := l.Flush(); err == nil {
		t.Fatal("Flush hid the write error")
	}
	if _, err := l.Write([]byte("more\n")); err == nil {
		t.Fatal("Write after a failed write succeeded")
	}
}
