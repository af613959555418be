package agent

import (
	"errors"
	"fmt"
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
	// parts are the filled buffers of a message whose size was not
	// announced (a fragmented one), data the one being filled; join puts
	// them together once the message is complete, so that no byte is
	// copied more than once on its way to the handler.
	parts [][]byte
	// copies counts the times the bytes read so far were moved.
	copies int
}

// n is the number of bytes read so far.
func (m *inMessage) n() int64 {
	n := int64(len(m.data))
	for _, p := range m.parts {
		n += int64(len(p))
	}
	return n
}

// firstBuffer is the size a message's buffer starts at: hello, pair,
// cancel and a signature over a hash fit.
const firstBuffer = 4 << 10

// grow makes room for more of the message, up to limit bytes in all:
// the first buffer, or, when the current one is full, a new one of twice
// its size (at most what the limit leaves), the full one kept aside
// untouched until join.
func (m *inMessage) grow(limit int64, approved bool) error {
	n := int64(cap(m.data)) * 2
	if n == 0 {
		n = firstBuffer
	}
	if len(m.data) == 0 {
		return m.growTo(min(n, limit), approved)
	}
	n = min(n, limit-m.n())
	if n <= 0 {
		return fmt.Errorf("%w: more than %d bytes", errTooBig, limit)
	}
	if !m.b.take(n, approved) {
		return errNoRoom
	}
	m.parts = append(m.parts, m.data)
	m.data = make([]byte, 0, n)
	m.held += n
	return nil
}

// growTo makes the buffer n bytes large, for a message with nothing read
// yet or all of it in data: the bytes read so far are copied once more,
// and the old buffer is given back.
func (m *inMessage) growTo(n int64, approved bool) error {
	if !m.b.take(n, approved) {
		return errNoRoom
	}
	data := make([]byte, len(m.data), n)
	if len(m.data) > 0 {
		copy(data, m.data)
		m.copies++
	}
	m.b.give(m.held)
	m.data, m.held = data, n
	return nil
}

// join puts the parts of a complete message into one buffer of its
// size, the only copy of its bytes, and gives the parts back. The parts
// together hold at most the read limit, so the budget's floor of twice
// the largest message covers them and the joined buffer at once.
func (m *inMessage) join(approved bool) error {
	if len(m.parts) == 0 {
		return nil
	}
	total := m.n()
	if !m.b.take(total, approved) {
		return errNoRoom
	}
	data := make([]byte, 0, total)
	for _, p := range m.parts {
		data = append(data, p...)
	}
	data = append(data, m.data...)
	m.copies++
	m.b.give(m.held)
	m.data, m.held, m.parts = data, total, nil
	return nil
}

// release gives the buffer back; the message must not be used after.
func (m *inMessage) release() {
	if m.held > 0 {
		m.b.give(m.held)
	}
	m.data, m.held, m.parts = nil, 0, nil
}
