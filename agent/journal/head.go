package journal

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// headSyncDelay is how long a head written after a commit may wait for
// its own flush to the disk. The head is written (pwrite, in place) only
// after the records it names are on disk, so whatever version of it a
// crash leaves there names a record that is on disk too: a head that
// lags names an earlier record, which Open and Check accept; it is
// never ahead, so a crash cannot make a journal look truncated. A head
// that lags loses only the records after it from the truncation check.
const headSyncDelay = time.Second

// headFile is the open head file. It also holds the journal's lock: the
// journal's own files change at each rotation, it does not.
type headFile struct {
	mu    sync.Mutex
	f     *os.File
	mac   *macer
	buf   []byte
	dirty bool // written since its last flush
	timer *time.Timer
}

// write names seq and hash in the head file and makes sure that it is
// flushed within headSyncDelay. The caller has the record of seq on disk.
func (h *headFile) write(seq uint64, hash string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f == nil {
		return ErrClosed
	}
	h.buf = appendHead(h.buf[:0], h.mac, seq, hash)
	if _, err := h.f.WriteAt(h.buf, 0); err != nil {
		return fmt.Errorf("journal: head: %w", err)
	}
	if !h.dirty {
		h.dirty = true
		if h.timer == nil {
			h.timer = time.AfterFunc(headSyncDelay, h.flush)
		} else {
			h.timer.Reset(headSyncDelay)
		}
	}
	return nil
}

// flush puts the head on disk if it was written since.
func (h *headFile) flush() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f != nil && h.dirty {
		if h.f.Sync() == nil {
			h.dirty = false
		}
	}
}

// close flushes the head and closes the file, releasing the lock. It may
// be called more than once.
func (h *headFile) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.timer != nil {
		h.timer.Stop()
	}
	if h.f == nil {
		return nil
	}
	var err error
	if h.dirty {
		err = h.f.Sync()
	}
	if cerr := h.f.Close(); err == nil {
		err = cerr
	}
	h.f = nil
	return err
}
