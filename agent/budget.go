package agent

import (
	"errors"
	"sync"
)

// errNoRoom is a message that found no room in the memory budget.
var errNoRoom = errors.New("agent: no room for the message in the memory budget")

// budget bounds the bytes that the messages of all connections hold at
// once: a message reserves its buffer when its frame's header announces
// its size, or as the buffer grows while its bytes arrive, and gives it
// back when its request has been answered.
// Connections of origins that are not approved may reserve only while
// less than half is in use, so that they are refused first. Safe for
// concurrent use.
type budget struct {
	mu    sync.Mutex
	used  int64
	limit int64
}

func newBudget(l Limits) *budget {
	// The largest message, with the buffer it grows from, always fits.
	return &budget{limit: max(l.MaxBufferedBytes, 2*l.MaxMessageBytes)}
}

// take reserves n bytes and reports whether there was room.
func (b *budget) take(n int64, approved bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	limit := b.limit
	if !approved {
		limit /= 2
	}
	if b.used+n > limit {
		return false
	}
	b.used += n
	return true
}

// give returns n bytes taken before.
func (b *budget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// inUse returns the bytes reserved now.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// inMessage is one message from a page in a buffer reserved from the
// budget. The request parsed from it keeps slices of data; release gives
// the buffer back once the request has been answered. It belongs to one
// goroutine at a time: the read loop, then the one that answers it.
type inMessage struct {
	data []byte
	held int64
	b    *budget
}

// firstBuffer is the size a message's buffer starts at: hello, pair,
// cancel and a signature over a hash fit.
const firstBuffer = 4 << 10

// grow makes room for more of the message, up to limit bytes in all,
// doubling the buffer.
func (m *inMessage) grow(limit int64, approved bool) error {
	n := int64(cap(m.data)) * 2
	if n == 0 {
		n = firstBuffer
	}
	return m.growTo(min(n, limit), approved)
}

// growTo makes the buffer n bytes large: the bytes read so far are
// copied once more, and the old buffer is given back.
func (m *inMessage) growTo(n int64, approved bool) error {
	if !m.b.take(n, approved) {
		return errNoRoom
	}
	data := make([]byte, len(m.data), n)
	copy(data, m.data)
	m.b.give(m.held)
	m.data, m.held = data, n
	return nil
}

// release gives the buffer back; the message must not be used after.
func (m *inMessage) release() {
	if m.held > 0 {
		m.b.give(m.held)
	}
	m.data, m.held = nil, 0
}
