package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// LineError says which line broke the chain, or whose MAC does not match.
type LineError struct {
	File string // empty when reading a stream
	Line int    // from 1
	Err  error
}

func (e *LineError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("journal: %s: line %d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("journal: line %d: %v", e.Line, e.Err)
}
func (e *LineError) Unwrap() error { return e.Err }

// chain follows the records of a journal. Unless open, its first record
// must be the first ever (seq 1, prev zeros); an open chain accepts any
// first record, the start of the history kept.
type chain struct {
	seq     uint64
	prev    string
	started bool
	open    bool
}

func (c *chain) next(rec Record) error {
	if c.open && !c.started {
		c.started = true
	} else {
		if rec.Prev != c.prev {
			return fmt.Errorf("%w: prev does not match the line before", ErrTampered)
		}
		if rec.Seq != c.seq+1 {
			return fmt.Errorf("%w: seq %d after %d", ErrTampered, rec.Seq, c.seq)
		}
	}
	c.prev, c.seq = rec.Hash, rec.Seq
	return nil
}

// Read reads every record of a journal that starts the chain (seq 1, prev
// zeros), checking the chain as it goes, and calls fn for each. It stops
// at the first broken line with a *LineError wrapping ErrTampered, after
// fn has seen the good records before it. It checks no MAC: Check does.
func Read(r io.Reader, fn func(Record) error) error {
	return readChain(r, "", &chain{prev: zeroHash}, func(rec Record, _ int) error {
		if fn != nil {
			return fn(rec)
		}
		return nil
	})
}

// Verify checks the whole chain of a journal read as Read reads it and
// returns the number of records.
func Verify(r io.Reader) (int, error) {
	n := 0
	err := Read(r, func(Record) error { n++; return nil })
	return n, err
}

// ReadAll reads the records of every file of the journal at path (see
// Files), oldest first, checking the chain within and across the files,
// and calls fn for each. The first record kept may continue a history
// whose older files were deleted. It checks no MAC: Check does.
func ReadAll(path string, fn func(Record) error) error {
	files, err := Files(path)
	if err != nil {
		return err
	}
	c := &chain{open: true}
	for _, name := range files {
		if err := readFile(name, c, func(r Record, _ int) error { return fn(r) }); err != nil {
			return err
		}
	}
	return nil
}

func readFile(name string, c *chain, fn func(Record, int) error) error {
	f, err := openRead(name)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	return readChain(f, name, c, fn)
}

// readChain reads the records of r, continuing c, and calls fn with each
// and its line number.
func readChain(r io.Reader, file string, c *chain, fn func(Record, int) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine+1)
	sc.Split(scanLines)
	line := 0
	for sc.Scan() {
		line++
		rec, err := decode(sc.Bytes())
		if err == nil {
			err = c.next(rec)
		}
		if err != nil {
			return &LineError{file, line, err}
		}
		if err := fn(rec, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, errAfterZeros) {
			return &LineError{file, line + 1, fmt.Errorf("%w: data after the space left for records", ErrTampered)}
		}
		if errors.Is(err, bufio.ErrTooLong) {
			return &LineError{file, line + 1, fmt.Errorf("%w: line longer than %d bytes", ErrTampered, maxLine)}
		}
		return fmt.Errorf("journal: read: %w", err)
	}
	return nil
}

// Report is what Check found.
type Report struct {
	// Files are the journal's files, oldest first.
	Files []string
	// Records is how many records they hold; First and Last are the
	// seqs of the first and last.
	Records     int
	First, Last uint64
	// Complete is true when the first record kept is the first ever:
	// no older file was deleted.
	Complete bool
	// Keyed is true when the key was found and the MACs were checked.
	Keyed bool
	// Unkeyed is how many records carry no MAC (written before the
	// journal had a key).
	Unkeyed int
	// Head is the head file's, if it could be read.
	Head *Head
	// Recoveries are the recovery records (see Open).
	Recoveries []Record
	// Problems is everything found wrong, in the order found; Check
	// returns the gravest.
	Problems []error
}

// Check verifies the journal at path with its key and head files (see
// Options; only KeyFile and HeadFile count): the chain within and across
// its files, each record's MAC, and the head against the last record.
// It returns the report and the gravest problem: a *LineError wrapping
// ErrTampered for a broken chain (it reads no further), one wrapping
// ErrRewritten for a MAC that does not match (the first such record), an
// error wrapping ErrRewritten for a head that does not match the key or
// the chain, ErrTruncated for a head beyond the last record, and
// ErrUnanchored when the key or the head is missing or damaged, or
// records carry no MAC. Other errors mean the files could not be read.
func Check(path string, o Options) (Report, error) {
	var rep Report
	o, err := o.withDefaults(path)
	if err != nil {
		return rep, err
	}
	if rep.Files, err = Files(path); err != nil {
		return rep, err
	}
	key, err := readKey(o.KeyFile)
	var m *macer
	switch {
	case err == nil:
		rep.Keyed, m = true, newMacer(key)
	case errors.Is(err, fs.ErrNotExist):
		rep.Problems = append(rep.Problems, fmt.Errorf("%w: the key file %s is missing: no MAC was checked", ErrUnanchored, o.KeyFile))
	case errors.Is(err, ErrUnanchored):
		rep.Problems = append(rep.Problems, err)
	default:
		return rep, fmt.Errorf("journal: key: %w", err)
	}
	head, headErr := readHeadFile(o.HeadFile)
	if headErr == nil {
		rep.Head = &head
	} else if !errors.Is(headErr, fs.ErrNotExist) && !errors.Is(headErr, ErrUnanchored) {
		return rep, fmt.Errorf("journal: head: %w", headErr)
	}

	c := &chain{open: true}
	var headHash string
	var macErr error
	keyed := false // a record with a MAC was seen
	for _, name := range rep.Files {
		err := readFile(name, c, func(r Record, line int) error {
			if rep.Records == 0 {
				rep.First, rep.Complete = r.Seq, r.Seq == 1 && r.Prev == zeroHash
			}
			rep.Records++
			rep.Last = r.Seq
			if r.Seq == head.Seq {
				headHash = r.Hash
			}
			if r.Event == EventRecovery {
				rep.Recoveries = append(rep.Recoveries, r)
			}
			switch {
			case r.MAC == "" && !keyed:
				rep.Unkeyed++
			case macErr != nil || m == nil:
			case r.MAC == "":
				macErr = &LineError{name, line, fmt.Errorf("%w: seq %d carries no MAC after records that do", ErrRewritten, r.Seq)}
			case r.MAC != m.record(r.Hash):
				macErr = &LineError{name, line, fmt.Errorf("%w: the MAC of seq %d does not match the key", ErrRewritten, r.Seq)}
			}
			keyed = keyed || r.MAC != ""
			return nil
		})
		if err != nil {
			var le *LineError
			if errors.As(err, &le) {
				rep.Problems = append(rep.Problems, err)
				return rep, gravest(rep.Problems)
			}
			return rep, err
		}
	}
	if macErr != nil {
		rep.Problems = append(rep.Problems, macErr)
	}
	switch {
	case errors.Is(headErr, fs.ErrNotExist):
		if rep.Records > 0 {
			rep.Problems = append(rep.Problems, fmt.Errorf("%w: the head file %s is missing: truncation cannot be checked", ErrUnanchored, o.HeadFile))
		}
	case headErr != nil:
		rep.Problems = append(rep.Problems, fmt.Errorf("%w: %s: truncation cannot be checked", headErr, o.HeadFile))
	case m != nil && head.MAC != m.head(head.Seq, head.Hash):
		rep.Problems = append(rep.Problems, fmt.Errorf("%w: the MAC of the head file does not match the key", ErrRewritten))
	case head.Seq > rep.Last:
		rep.Problems = append(rep.Problems, fmt.Errorf("%w: the head names seq %d but the journal ends at seq %d: records %d to %d are missing",
			ErrTruncated, head.Seq, rep.Last, rep.Last+1, head.Seq))
	case head.Seq >= rep.First && head.Seq > 0 && headHash != head.Hash:
		rep.Problems = append(rep.Problems, fmt.Errorf("%w: record %d is not the one the head names", ErrRewritten, head.Seq))
	}
	if rep.Unkeyed > 0 {
		rep.Problems = append(rep.Problems, fmt.Errorf("%w: %d records, from seq %d, carry no MAC (written before the journal had a key)",
			ErrUnanchored, rep.Unkeyed, rep.First))
	}
	return rep, gravest(rep.Problems)
}

// gravest returns the gravest of errs: a broken chain, then a rewrite,
// then a truncation, then anything else.
func gravest(errs []error) error {
	for _, target := range []error{ErrTampered, ErrRewritten, ErrTruncated} {
		for _, err := range errs {
			if errors.Is(err, target) {
				return err
			}
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
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
