package journal

import (
	"errors"
	"fmt"
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

// Journal is an open journal: the file records are appended to, the
// rotated files before it, its key and its head file.
type Journal struct {
	path string
	opts Options

	mu   sync.Mutex // guards f, seq, prev, end, size, durableEnd, mac, rotations and writes to f
	f    *os.File
	seq  uint64
	prev string
	now  func() time.Time
	end  int64 // where the next line goes
	size int64 // the file's size: end and the zeros written ahead (see space.go)
	// durableEnd is where the records known to be on disk end.
	durableEnd int64
	mac        *macer // MACs of records
	rotations  int    // rotations made
	rotateAt   int64  // after a failed rotation, where to try again
	rotateErr  error  // why the last rotation failed, for tests

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

	head headFile
	refusals

	// recovered are the recovery records Open appended.
	recovered []Record
}

// Group commit limits: a Sync waits for announced records for at most
// defaultLinger, and stops waiting once defaultGroup records wait for the
// disk, so that a burst of signatures still gets answers while later
// ones are signed.
const (
	defaultLinger = time.Millisecond
	defaultGroup  = 16
)

// Open opens the journal at path with the default Options; see OpenWith.
func Open(path string) (*Journal, error) { return OpenWith(path, Options{}) }

// OpenWith opens or creates the journal at path (mode 0600, folders
// 0700) and its key and head files, and makes it ready to append to:
// it cuts off what a crash left unfinished, moves a damaged last line
// aside, and checks the last record and the head against the key. What
// it finds out of the ordinary it records (see Recovered) and goes on:
// it fails only when the files cannot be read or written, or another
// process has the journal open. It does not verify the whole chain:
// Check does.
func OpenWith(path string, o Options) (*Journal, error) {
	o, err := o.withDefaults(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{path: path, opts: o, prev: zeroHash, now: time.Now, wake: make(chan struct{}, 1),
		lingerMax: defaultLinger, maxGroup: defaultGroup}
	j.refusals.init(j)
	if err := j.open(); err != nil {
		j.head.close()
		if j.f != nil {
			j.f.Close()
		}
		return nil, err
	}
	return j, nil
}

// Recovered returns the recovery records Open appended: what a crash
// left unfinished, a damaged line, records cut off or rewritten, a
// missing key or head. The caller shows them to the user.
func (j *Journal) Recovered() []Record { return j.recovered }

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
	r.MAC = j.mac.record(hash)
	line = withMAC(line, r.MAC)
	if len(line) > maxLine {
		return r, fmt.Errorf("journal: record of %d bytes is over the limit", len(line))
	}
	line = append(line, '\n')
	if j.end > 0 && j.end+int64(len(line)) > j.opts.MaxFileBytes && j.end >= j.rotateAt {
		// A rotation that fails (a reader holds the file where an open
		// file cannot be renamed) does not fail the record: it goes to
		// the current file, and the rotation is tried again a step later.
		if err := j.rotateLocked(); err != nil {
			if j.f == nil {
				return r, err
			}
			j.rotateErr, j.rotateAt = err, j.end+growStep
		}
	}
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
// written so far, writes the head naming the last one and returns its
// seq. Only the leader of a sync calls it.
func (j *Journal) commit() (uint64, error) {
	j.linger()
	j.mu.Lock()
	f, upTo, hash, end, rotations := j.f, j.seq, j.prev, j.end, j.rotations
	j.mu.Unlock()
	if f == nil {
		return 0, ErrClosed
	}
	if err := syncData(f); err != nil {
		// A rotation since, even one that failed after closing the
		// file: it flushed the old file whole, these records included,
		// before it closed it.
		j.mu.Lock()
		rotated := j.f != f || j.rotations != rotations
		j.mu.Unlock()
		if !rotated {
			return 0, fmt.Errorf("journal: sync: %w", err)
		}
	}
	j.mu.Lock()
	if j.f == f {
		j.durableEnd = max(j.durableEnd, end)
	}
	j.mu.Unlock()
	// The records it names are on disk: the head is never ahead of them.
	if err := j.head.write(upTo, hash); err != nil {
		return 0, err
	}
	return upTo, nil
}

// Head returns the sequence number and hash of the last record.
func (j *Journal) Head() (uint64, string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq, j.prev
}

// Close writes the refusals counted so far, syncs, writes the head and
// closes the files.
func (j *Journal) Close() error {
	ferr := j.refusals.stop()
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	for j.syncing {
		j.waitSyncLocked()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return j.head.close()
	}
	// The zeros written ahead go: a closed journal ends with its last
	// record.
	err := j.f.Truncate(j.end)
	if serr := j.f.Sync(); err == nil {
		err = serr
	}
	if err == nil {
		err = j.head.write(j.seq, j.prev)
	}
	if herr := j.head.close(); err == nil {
		err = herr
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	if err == nil {
		err = ferr
	}
	return err
}
