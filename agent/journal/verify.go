package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// LineError says which line broke the chain.
type LineError struct {
	Line int // from 1
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("journal: line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Read reads every record of a journal, checking the chain as it goes,
// and calls fn for each. It stops at the first broken line with a
// *LineError wrapping ErrTampered, after fn has seen the good records
// before it.
func Read(r io.Reader, fn func(Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine+1)
	sc.Split(scanLines)
	prev, seq := zeroHash, uint64(0)
	line := 0
	for sc.Scan() {
		line++
		rec, err := decode(sc.Bytes())
		if err != nil {
			return &LineError{line, err}
		}
		if rec.Prev != prev {
			return &LineError{line, fmt.Errorf("%w: prev does not match the line before", ErrTampered)}
		}
		if rec.Seq != seq+1 {
			return &LineError{line, fmt.Errorf("%w: seq %d after %d", ErrTampered, rec.Seq, seq)}
		}
		prev, seq = rec.Hash, rec.Seq
		if fn != nil {
			if err := fn(rec); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, errAfterZeros) {
			return &LineError{line + 1, fmt.Errorf("%w: data after the space left for records", ErrTampered)}
		}
		if errors.Is(err, bufio.ErrTooLong) {
			return &LineError{line + 1, fmt.Errorf("%w: line longer than %d bytes", ErrTampered, maxLine)}
		}
		return fmt.Errorf("journal: read: %w", err)
	}
	return nil
}

// Verify checks the whole chain and returns the number of records.
func Verify(r io.Reader) (int, error) {
	n := 0
	err := Read(r, func(Record) error { n++; return nil })
	return n, err
}

var errAfterZeros = errors.New("data after zeros")

// scanLines splits a journal into lines. Zero bytes are the space an open
// journal keeps ahead of its records (see space.go): a line ends at the
// first one, and zeros end the journal when nothing but zeros follows
// them.
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if len(data) > 0 && data[0] == 0 {
		i := 0
		for i < len(data) && data[i] == 0 {
			i++
		}
		if i < len(data) {
			return 0, nil, errAfterZeros
		}
		return i, nil, nil
	}
	if z := bytes.IndexByte(data, 0); z >= 0 {
		if nl := bytes.IndexByte(data[:z], '\n'); nl < 0 {
			return z, data[:z], nil // a line the zeros cut short
		}
	}
	return bufio.ScanLines(data, atEOF)
}
