package journal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ErrTampered means a journal line that does not chain: changed, removed,
// inserted, reordered or not a record at all.
var ErrTampered = errors.New("journal: chain broken")

// ErrClosed means an Append after Close.
var ErrClosed = errors.New("journal: closed")

// maxLine bounds one record; longer lines are refused when reading.
const maxLine = 64 << 10

// Journal is an open journal file.
type Journal struct {
	mu   sync.Mutex // guards f, seq, prev, end, size, durableEnd and writes to f
	f    *os.File
	seq  uint64
	prev string
	now  func() time.Time
	end  int64 // where the next line goes
	size int64 // the file's size: end and the zeros written ahead (see space.go)
	// durableEnd is where the records known to be on disk end.
	durableEnd int64

	// One sync at a time: its caller leads it, and the callers that
	// arrive meanwhile wait for done to close, all woken at once, then
	// find their records on disk or lead the next one.
	syncMu  sync.Mutex // guards synced, syncing, done and syncs
	synced  uint64     // records up to this seq are on disk
	syncing bool
	done    chan struct{}

	// Group commit: records announced with Expect and not yet written,
	// and a signal to a Sync that waits for them.
	gmu       sync.Mutex
	expected  int
	wake      chan struct{}
	lingerMax time.Duration
	maxGroup  uint64
	syncs     uint64 // fsyncs made, for tests; guarded by syncMu
}

// Group commit limits: a Sync waits for announced records for at most
// defaultLinger, and stops waiting once defaultGroup records wait for the
// disk, so that a burst of signatures still gets answers while later
// ones are signed.
const (
	defaultLinger = time.Millisecond
	defaultGroup  = 16
)

// Open opens or creates the journal at path (mode 0600, folders 0700),
// cuts off what a crash left unfinished (a torn last line, the zeros
// written ahead and anything after them), and reads the chain's head so
// that appends continue it. It does not verify the whole file: Verify
// does.
func Open(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: %s is in use by another process: %w", path, err)
	}
	j := &Journal{f: f, prev: zeroHash, now: time.Now, wake: make(chan struct{}, 1),
		lingerMax: defaultLinger, maxGroup: defaultGroup}
	lost, err := j.cutUnwritten()
	if err != nil {
		f.Close()
		return nil, err
	}
	torn, err := j.readHead()
	j.synced = j.seq
	if err != nil {
		f.Close()
		return nil, err
	}
	if torn += lost; torn > 0 {
		if _, err := j.Append(Record{Event: EventRecovery, Outcome: OutcomeFailed,
			Reason: fmt.Sprintf("cut off %d bytes of an unfinished write", torn)}); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

// readHead finds the last complete line, truncating anything after it,
// and returns how many bytes it cut.
func (j *Journal) readHead() (int64, error) {
	size, err := j.f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	j.end, j.size, j.durableEnd = size, size, size
	if size == 0 {
		return 0, nil
	}
	// Read back at most two lines' worth: the last complete line and a
	// torn one after it.
	n := min(size, 2*maxLine+2)
	buf := make([]byte, n)
	if _, err := j.f.ReadAt(buf, size-n); err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	end := bytes.LastIndexByte(buf, '\n')
	var torn int64
	if end != len(buf)-1 {
		torn = int64(len(buf) - 1 - end)
		if err := j.f.Truncate(size - torn); err != nil {
			return 0, fmt.Errorf("journal: cut torn line: %w", err)
		}
		j.end, j.size, j.durableEnd = size-torn, size-torn, size-torn
		if err := j.f.Sync(); err != nil {
			return 0, fmt.Errorf("journal: %w", err)
		}
	}
	if end < 0 {
		if size-torn != 0 {
			return 0, fmt.Errorf("%w: last line longer than %d bytes", ErrTampered, maxLine)
		}
		return torn, nil
	}
	start := bytes.LastIndexByte(buf[:end], '\n') + 1
	if start == 0 && size-torn > int64(end+1) {
		return 0, fmt.Errorf("%w: last line longer than %d bytes", ErrTampered, maxLine)
	}
	last, err := decode(buf[start:end])
	if err != nil {
		return 0, fmt.Errorf("journal: last line: %w", err)
	}
	j.seq, j.prev = last.Seq, last.Hash
	return torn, nil
}

// Append writes r (see Write) and syncs it to disk before it returns.
// Appends from several goroutines share fsyncs: one fsync covers every
// record written before it started.
func (j *Journal) Append(r Record) (Record, error) {
	r, err := j.Write(r)
	if err != nil {
		return r, err
	}
	return r, j.Sync(r.Seq)
}

// Write sets r's Seq, Prev, Hash (and Time when zero) and writes it as one
// line, without waiting for the disk: call Sync with its Seq before
// acting on it. It returns the record as written.
func (j *Journal) Write(r Record) (Record, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return r, ErrClosed
	}
	if r.Time.IsZero() {
		r.Time = j.now()
	}
	r.Time = r.Time.UTC()
	r.Seq = j.seq + 1
	r.Prev = j.prev
	line, hash, err := encode(r)
	if err != nil {
		return r, err
	}
	if len(line) > maxLine {
		return r, fmt.Errorf("journal: record of %d bytes is over the limit", len(line))
	}
	line = append(line, '\n')
	if err := j.room(int64(len(line))); err != nil {
		return r, err
	}
	if _, err := j.f.WriteAt(line, j.end); err != nil {
		return r, fmt.Errorf("journal: write: %w", err)
	}
	j.end += int64(len(line))
	r.Hash = hash
	j.seq, j.prev = r.Seq, hash
	j.signal()
	return r, nil
}

// Expect announces a record that will be written, such as the outcome
// of a signing request in flight: a Sync that starts
// meanwhile waits a little for it, so that one fsync covers both. The
// returned func withdraws the announcement: call it once the record is
// written (before syncing it) or once it will not be. It may be called
// more than once.
func (j *Journal) Expect() (done func()) {
	j.gmu.Lock()
	j.expected++
	j.gmu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			j.gmu.Lock()
			j.expected--
			j.gmu.Unlock()
			j.signal()
		})
	}
}

// signal wakes a Sync that waits for announced records.
func (j *Journal) signal() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// linger waits, before an fsync, while announced records are still to
// come, up to maxGroup unsynced records or lingerMax.
func (j *Journal) linger() {
	var timer *time.Timer
	for {
		j.gmu.Lock()
		expected := j.expected
		j.gmu.Unlock()
		j.mu.Lock()
		unsynced := j.seq - j.synced
		j.mu.Unlock()
		if expected == 0 || unsynced >= j.maxGroup {
			break
		}
		if timer == nil {
			timer = time.NewTimer(j.lingerMax)
			defer timer.Stop()
		}
		select {
		case <-j.wake:
		case <-timer.C:
			return
		}
	}
}

// Sync returns once the records up to seq are on disk.
func (j *Journal) Sync(seq uint64) error {
	if !j.lead(seq) {
		return nil
	}
	upTo, err := j.commit()
	j.syncMu.Lock()
	if err == nil {
		j.synced = max(j.synced, upTo)
		j.syncs++
	}
	j.syncing = false
	close(j.done)
	j.syncMu.Unlock()
	return err
}

// lead waits for the sync in progress, if any, and reports whether seq
// still needs one; if so the caller leads it.
func (j *Journal) lead(seq uint64) bool {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	for j.synced < seq {
		if !j.syncing {
			j.syncing = true
			j.done = make(chan struct{})
			return true
		}
		j.waitSyncLocked()
	}
	return false
}

// waitSyncLocked waits, syncMu held, for the sync in progress to end.
// Another may have started by the time it returns.
func (j *Journal) waitSyncLocked() {
	done := j.done
	j.syncMu.Unlock()
	<-done
	j.syncMu.Lock()
}

// commit waits for announced records (linger), then flushes every record
// written so far and returns the last one's seq. Only the leader of a
// sync calls it.
func (j *Journal) commit() (uint64, error) {
	j.linger()
	j.mu.Lock()
	f, upTo, end := j.f, j.seq, j.end
	j.mu.Unlock()
	if f == nil {
		return 0, ErrClosed
	}
	if err := syncData(f); err != nil {
		return 0, fmt.Errorf("journal: sync: %w", err)
	}
	j.mu.Lock()
	j.durableEnd = max(j.durableEnd, end)
	j.mu.Unlock()
	return upTo, nil
}

// Head returns the sequence number and hash of the last record.
func (j *Journal) Head() (uint64, string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq, j.prev
}

// Close syncs and closes the file.
func (j *Journal) Close() error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	for j.syncing {
		j.waitSyncLocked()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	// The zeros written ahead go: a closed journal ends with its last
	// record.
	err := j.f.Truncate(j.end)
	if serr := j.f.Sync(); err == nil {
		err = serr
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	return err
}
