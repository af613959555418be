package journal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// maxDamagedLines is how many damaged lines at the end of the file Open
// moves aside, one by one, before it gives up on the file and starts a
// new one.
const maxDamagedLines = 16

// errCannotContinue means that the file's end cannot be read as records:
// Open moves the whole file aside.
var errCannotContinue = errors.New("journal: the end of the file is not a record")

// open does the work of OpenWith, in this order: the head file (and the
// lock), the key, the file records go to (what a crash left unfinished,
// damaged lines at its end), the chain's head, and the checks of the last
// record and the head against the key. Each finding becomes a recovery
// record.
func (j *Journal) open() error {
	hf, err := os.OpenFile(j.opts.HeadFile, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := lockFile(hf); err != nil {
		hf.Close()
		return fmt.Errorf("journal: %s is in use by another process: %w", j.path, err)
	}
	j.head.f = hf
	head, headErr := readHeadFile(j.opts.HeadFile)
	if headErr != nil && !errors.Is(headErr, fs.ErrNotExist) && !errors.Is(headErr, ErrUnanchored) {
		return fmt.Errorf("journal: head: %w", headErr)
	}

	key, keyMade, note, err := loadKey(j.opts.KeyFile)
	if err != nil {
		return err
	}
	j.mac, j.head.mac = newMacer(key), newMacer(key)
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}

	if j.f, err = os.OpenFile(j.path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	last, found, more, err := j.readEnd()
	if errors.Is(err, errCannotContinue) {
		var aside string
		if aside, err = j.setAside(); err == nil {
			more = append(more, fmt.Sprintf("damaged: the end of %s did not read as records; the file was moved to %s and a new one started", j.path, aside))
		}
	}
	if err != nil {
		return err
	}
	notes = append(notes, more...)
	if !found {
		// Nothing here (new, just rotated, or set aside): the chain goes
		// on from the newest rotated file.
		if last, found, err = lastRotated(j.path); err != nil {
			return err
		}
	}
	switch {
	case found:
		j.seq, j.prev = last.Seq, last.Hash
	case headErr == nil && head.Seq > 0 && !keyMade && head.MAC == j.mac.head(head.Seq, head.Hash):
		// No file holds a record, yet the head names one: the files were
		// deleted. The chain goes on from the head, and says so.
		j.seq, j.prev = head.Seq, head.Hash
		notes = append(notes, fmt.Sprintf("truncated: the head names seq %d but no journal file holds a record", head.Seq))
	}
	j.synced = j.seq
	notes = append(notes, j.checkAnchors(last, found, keyMade, head, headErr)...)

	for _, n := range notes {
		r, err := j.Append(Record{Event: EventRecovery, Outcome: OutcomeFailed, Reason: n})
		if err != nil {
			return err
		}
		j.recovered = append(j.recovered, r)
	}
	if len(notes) == 0 && (headErr != nil || head.Seq != j.seq || head.Hash != j.prev) {
		// A process killed before its sync leaves records in the page
		// cache only: they go to the disk before the head names them.
		if err := syncData(j.f); err != nil {
			return fmt.Errorf("journal: sync: %w", err)
		}
		return j.head.write(j.seq, j.prev)
	}
	return nil
}

// checkAnchors compares the chain's last record with the key and the head
// and says what does not match.
func (j *Journal) checkAnchors(last Record, found, keyMade bool, head Head, headErr error) []string {
	var notes []string
	switch {
	case !found:
	case keyMade && last.MAC != "":
		notes = append(notes, fmt.Sprintf("unanchored: the key file was missing and a new key was made; the MACs of the records up to seq %d cannot be checked", last.Seq))
	case keyMade:
		notes = append(notes, fmt.Sprintf("unanchored: the journal is keyed from here on; the records up to seq %d carry no MAC", last.Seq))
	case last.MAC == "":
		notes = append(notes, fmt.Sprintf("rewritten: the last record, seq %d, carries no MAC", last.Seq))
	case last.MAC != j.mac.record(last.Hash):
		notes = append(notes, fmt.Sprintf("rewritten: the MAC of the last record, seq %d, does not match the key", last.Seq))
	}
	switch {
	case errors.Is(headErr, fs.ErrNotExist):
		if found && !keyMade {
			notes = append(notes, "unanchored: the head file was missing")
		}
	case headErr != nil:
		notes = append(notes, "unanchored: the head file was damaged")
	case !keyMade && head.MAC != j.mac.head(head.Seq, head.Hash):
		notes = append(notes, "rewritten: the MAC of the head file does not match the key")
	case head.Seq > j.seq:
		notes = append(notes, fmt.Sprintf("truncated: the head names seq %d but the journal ends at seq %d: records %d to %d are missing",
			head.Seq, j.seq, j.seq+1, head.Seq))
	case head.Seq == j.seq && head.Hash != j.prev:
		notes = append(notes, fmt.Sprintf("rewritten: the last record, seq %d, is not the one the head names", j.seq))
	}
	return notes
}

// readEnd makes the file end with a complete record and returns it:
// it cuts off what a crash left unfinished (zeros written ahead, a torn
// line, records never synced) and moves damaged lines at the end aside.
// found is false for an empty file; notes says what it did.
func (j *Journal) readEnd() (last Record, found bool, notes []string, err error) {
	lost, err := j.cutUnwritten()
	if errors.Is(err, ErrTampered) {
		return last, false, nil, errCannotContinue
	}
	if err != nil {
		return last, false, nil, err
	}
	size, err := j.f.Seek(0, io.SeekEnd)
	if err != nil {
		return last, false, nil, fmt.Errorf("journal: %w", err)
	}
	buf := make([]byte, maxLine+1)
	// A line without its newline was torn by a crash.
	if size > 0 {
		n := min(size, int64(len(buf)))
		if _, err := j.f.ReadAt(buf[:n], size-n); err != nil {
			return last, false, nil, fmt.Errorf("journal: %w", err)
		}
		if buf[n-1] != '\n' {
			nl := bytes.LastIndexByte(buf[:n], '\n')
			if nl < 0 && n < size {
				return last, false, nil, errCannotContinue
			}
			torn := n - 1 - int64(nl)
			lost += torn
			size -= torn
			if err := j.f.Truncate(size); err != nil {
				return last, false, nil, fmt.Errorf("journal: cut torn line: %w", err)
			}
		}
	}
	if lost > 0 {
		if err := j.f.Sync(); err != nil {
			return last, false, nil, fmt.Errorf("journal: %w", err)
		}
		notes = append(notes, fmt.Sprintf("cut off %d bytes of an unfinished write", lost))
	}
	var damaged [][]byte
	for size > 0 {
		n := min(size, int64(len(buf)))
		if _, err := j.f.ReadAt(buf[:n], size-n); err != nil {
			return last, false, nil, fmt.Errorf("journal: %w", err)
		}
		start := bytes.LastIndexByte(buf[:n-1], '\n') + 1
		if start == 0 && n < size {
			return last, false, notes, errCannotContinue
		}
		line := buf[start : n-1]
		if last, err = decode(line); err == nil {
			found = true
			break
		}
		if len(damaged) == maxDamagedLines {
			return last, false, notes, errCannotContinue
		}
		damaged = append(damaged, append([]byte(nil), buf[start:n]...))
		size -= n - int64(start)
	}
	if len(damaged) > 0 {
		aside := asideName(j.path, "damaged", j.now())
		var data []byte
		for i := len(damaged) - 1; i >= 0; i-- {
			data = append(data, damaged[i]...)
		}
		if err := writeNew(aside, data); err != nil {
			return last, false, notes, fmt.Errorf("journal: keep damaged lines: %w", err)
		}
		if err := j.f.Truncate(size); err != nil {
			return last, false, notes, fmt.Errorf("journal: cut damaged lines: %w", err)
		}
		if err := j.f.Sync(); err != nil {
			return last, false, notes, fmt.Errorf("journal: %w", err)
		}
		notes = append(notes, fmt.Sprintf("damaged: the last %d line(s) of %s (%d bytes) did not read as records and were moved to %s",
			len(damaged), j.path, len(data), aside))
	}
	j.end, j.size, j.durableEnd = size, size, size
	return last, found, notes, nil
}

// setAside moves the file records go to aside, whole, and starts an
// empty one: for a file whose end Open cannot read as records.
func (j *Journal) setAside() (string, error) {
	aside := asideName(j.path, "damaged", j.now())
	j.f.Close()
	j.f = nil
	if err := os.Rename(j.path, aside); err != nil {
		return "", fmt.Errorf("journal: set aside a damaged journal: %w", err)
	}
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("journal: %w", err)
	}
	j.f = f
	j.end, j.size, j.durableEnd = 0, 0, 0
	return aside, syncDir(filepath.Dir(j.path))
}

// lastRotated returns the last record of the newest rotated file; found
// is false when there is none or its last line is not a record (Check
// then reports the break in the chain).
func lastRotated(path string) (last Record, found bool, err error) {
	rs, err := rotated(path)
	if err != nil || len(rs) == 0 {
		return Record{}, false, err
	}
	data, err := readTail(rs[len(rs)-1].path, maxLine+1)
	if err != nil {
		return Record{}, false, fmt.Errorf("journal: %w", err)
	}
	data = bytes.TrimRight(data, "\x00")
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return Record{}, false, nil
	}
	line := data[bytes.LastIndexByte(data[:len(data)-1], '\n')+1 : len(data)-1]
	if last, err = decode(line); err != nil {
		return Record{}, false, nil
	}
	return last, true, nil
}

// readTail returns the last n bytes of the file at path, or all of it.
func readTail(path string, n int64) ([]byte, error) {
	f, err := openRead(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	n = min(n, size)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-n); err != nil {
		return nil, err
	}
	return buf, nil
}
