package journal

import (
	"bytes"
	"fmt"
	"io"
)

// The space ahead. Records are written over zeros that the journal wrote
// to the file beforehand, growStep bytes at a time, so that committing a
// record changes the file's data only: not its size and not its block
// map, either of which would cost a commit of the filesystem's own
// journal on every sync (syncData then flushes the data alone). Close
// cuts the zeros off; after a crash Open does, and readers stop at them.
// A record never contains a zero byte (JSON escapes it), so the first
// zero byte after the records marks where they end.
const (
	growStep = 256 << 10
	// maxUnsynced bounds the bytes written and not yet synced: a
	// longer run is synced by the write that would exceed it. It bounds
	// the region where a crash can leave unwritten blocks between written
	// ones, which Open searches.
	maxUnsynced = 512 << 10
	// recoverWindow is how far from the file's end that region can
	// start: unsynced records, the zeros ahead and a line's worth of
	// slack.
	recoverWindow = maxUnsynced + growStep + 2*maxLine
)

// zeroBlock is what the space ahead is written from.
var zeroBlock [32 << 10]byte

// room makes sure that n more bytes fit before the zeros end, leaving at
// least one zero after them and the file within its cap and a byte, and syncs first when the unsynced run would
// grow past maxUnsynced. It is called with mu held.
func (j *Journal) room(n int64) error {
	if j.end > j.durableEnd && j.end+n-j.durableEnd > maxUnsynced {
		if err := syncData(j.f); err != nil {
			return fmt.Errorf("journal: sync: %w", err)
		}
		j.durableEnd = j.end
	}
	for j.end+n >= j.size {
		// A step of growStep, but not past the file's cap (and a zero
		// after it) unless the record needs it.
		step := min(growStep, max(j.opts.MaxFileBytes+1-j.size, j.end+n+1-j.size))
		for step > 0 {
			k := min(step, int64(len(zeroBlock)))
			if _, err := j.f.WriteAt(zeroBlock[:k], j.size); err != nil {
				return fmt.Errorf("journal: make room: %w", err)
			}
			j.size += k
			step -= k
		}
	}
	return nil
}

// cutUnwritten finds the first zero byte near the end of the file, which
// marks where the records written before a crash end (the zeros ahead,
// or a block the crash kept from the disk), and cuts the file at the
// start of its line. It returns how many bytes that were not zeros it cut:
// a torn line and records that were never synced.
func (j *Journal) cutUnwritten() (int64, error) {
	size, err := j.f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	buf := make([]byte, 32<<10)
	zero := int64(-1)
	for off := max(0, size-recoverWindow); off < size && zero < 0; off += int64(len(buf)) {
		n, err := j.f.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return 0, fmt.Errorf("journal: %w", err)
		}
		if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
			zero = off + int64(i)
		}
	}
	if zero < 0 {
		return 0, nil
	}
	cut, err := j.lineStart(zero, buf)
	if err != nil {
		return 0, err
	}
	var lost int64
	for off := cut; off < size; off += int64(len(buf)) {
		n, err := j.f.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return 0, fmt.Errorf("journal: %w", err)
		}
		lost += int64(n - bytes.Count(buf[:n], []byte{0}))
	}
	if err := j.f.Truncate(cut); err != nil {
		return 0, fmt.Errorf("journal: cut unwritten space: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	return lost, nil
}

// lineStart returns the offset just after the last newline before at (0
// if there is none), looking back at most a line's length.
func (j *Journal) lineStart(at int64, buf []byte) (int64, error) {
	floor := max(0, at-maxLine-1)
	for end := at; end > floor; {
		off := max(floor, end-int64(len(buf)))
		n, err := j.f.ReadAt(buf[:end-off], off)
		if err != nil && err != io.EOF {
			return 0, fmt.Errorf("journal: %w", err)
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return off + int64(i) + 1, nil
		}
		end = off
	}
	if floor > 0 {
		return 0, fmt.Errorf("%w: last line longer than %d bytes", ErrTampered, maxLine)
	}
	return 0, nil
}
