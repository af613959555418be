package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Options tune a journal. The zero value gives the defaults.
type Options struct {
	// MaxFileBytes caps the file records are appended to: a record
	// that would take it past the cap goes to a new file (rotation). 0
	// means DefaultMaxFileBytes; at least MinFileBytes.
	MaxFileBytes int64
	// KeepFiles is how many files are kept, the one being appended to
	// included; the oldest go once there are more. 0 means
	// DefaultKeepFiles; at least MinKeepFiles, so that a journal just
	// rotated still has its last record in a file.
	KeepFiles int
	// KeyFile and HeadFile are the key and head files (see key.go);
	// empty means beside the journal, named after it: journal.key and
	// journal.head for journal.log.
	KeyFile, HeadFile string
	// RefusalInterval is how often counted refusals are written (see
	// CountRefusal). 0 means DefaultRefusalInterval.
	RefusalInterval time.Duration
}

// Defaults and bounds of Options.
const (
	DefaultMaxFileBytes    = 16 << 20
	MinFileBytes           = 2 * maxLine
	DefaultKeepFiles       = 8
	MinKeepFiles           = 2
	DefaultRefusalInterval = time.Minute
)

func (o Options) withDefaults(path string) (Options, error) {
	if o.MaxFileBytes == 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxFileBytes < MinFileBytes {
		return o, fmt.Errorf("journal: a file cap of %d bytes is under the minimum of %d", o.MaxFileBytes, MinFileBytes)
	}
	if o.KeepFiles == 0 {
		o.KeepFiles = DefaultKeepFiles
	}
	if o.KeepFiles < MinKeepFiles {
		return o, fmt.Errorf("journal: keeping %d files is under the minimum of %d", o.KeepFiles, MinKeepFiles)
	}
	if o.RefusalInterval <= 0 {
		o.RefusalInterval = DefaultRefusalInterval
	}
	stem := strings.TrimSuffix(path, filepath.Ext(path))
	if o.KeyFile == "" {
		o.KeyFile = stem + ".key"
	}
	if o.HeadFile == "" {
		o.HeadFile = stem + ".head"
	}
	return o, nil
}

// Rotated files are named after the journal with the seq of their last
// record: journal-000000001234.log holds the records up to 1234, and
// the file without a number the records after the newest rotated one.
const seqDigits = 12

func rotatedName(path string, last uint64) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%0*d%s", strings.TrimSuffix(path, ext), seqDigits, last, ext)
}

// asideName is where Open moves what it cannot read (a damaged line, a
// file it cannot continue), named after the journal and the time.
func asideName(path, what string, now time.Time) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%s-%s%s", strings.TrimSuffix(path, ext), what, now.UTC().Format("20060102T150405.000000000"), ext)
}

// rotatedFile is a rotated journal file and the seq its name gives.
type rotatedFile struct {
	path string
	last uint64
}

// rotated lists the rotated files of the journal at path, oldest first.
func rotated(path string) ([]rotatedFile, error) {
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	prefix := strings.TrimSuffix(base, ext) + "-"
	entries, err := os.ReadDir(filepath.Clean(dir + "."))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	var out []rotatedFile
	for _, e := range entries {
		name := e.Name()
		num, ok := strings.CutPrefix(name, prefix)
		if !ok || !strings.HasSuffix(num, ext) || !e.Type().IsRegular() {
			continue
		}
		num = strings.TrimSuffix(num, ext)
		if len(num) < seqDigits || strings.Trim(num, "0123456789") != "" {
			continue
		}
		last, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, rotatedFile{filepath.Join(dir, name), last})
	}
	slices.SortFunc(out, func(a, b rotatedFile) int {
		switch {
		case a.last < b.last:
			return -1
		case a.last > b.last:
			return 1
		}
		return 0
	})
	return out, nil
}

// Files returns the files of the journal at path, oldest first: the
// rotated files that are kept, then path itself if it exists.
func Files(path string) ([]string, error) {
	rs, err := rotated(path)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rs)+1)
	for _, r := range rs {
		out = append(out, r.path)
	}
	if _, err := os.Stat(path); err == nil {
		out = append(out, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return out, nil
}

// rename renames a file; tests replace it.
var rename = os.Rename

// rotateLocked closes the file records go to, which ends with the record
// of j.seq, renames it after that seq, starts a new one and deletes the
// oldest files beyond KeepFiles. It is called with mu held, before a
// write that would take the file past its cap. A sync that runs
// meanwhile on the old file fails on its closed descriptor; commit knows
// that the rotation flushed the old file whole.
func (j *Journal) rotateLocked() error {
	old := j.f
	// The zeros written ahead go, and the file is flushed whole: its
	// size changes, so a data-only flush would not do.
	if err := old.Truncate(j.end); err != nil {
		return fmt.Errorf("journal: rotate: %w", err)
	}
	if err := old.Sync(); err != nil {
		return fmt.Errorf("journal: rotate: %w", err)
	}
	j.size, j.durableEnd = j.end, j.end
	name := rotatedName(j.path, j.seq)
	if _, err := os.Lstat(name); err == nil {
		return fmt.Errorf("journal: rotate: %s exists", name)
	}
	// Closed before the rename: Windows renames no open file.
	if err := old.Close(); err != nil {
		return j.reopenAfter(fmt.Errorf("journal: rotate: %w", err))
	}
	if err := rename(j.path, name); err != nil {
		return j.reopenAfter(fmt.Errorf("journal: rotate: %w", err))
	}
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if rerr := os.Rename(name, j.path); rerr != nil {
			j.f = nil
			return fmt.Errorf("journal: rotate: %w (and %s stays as %s: %v)", err, j.path, name, rerr)
		}
		return j.reopenAfter(fmt.Errorf("journal: rotate: %w", err))
	}
	if err := syncDir(filepath.Dir(j.path)); err != nil {
		f.Close()
		return fmt.Errorf("journal: rotate: %w", err)
	}
	j.f = f
	j.end, j.size, j.durableEnd, j.rotateAt = 0, 0, 0, 0
	j.rotations++
	j.pruneLocked()
	return nil
}

// reopenAfter opens the live file again after a rotation that failed
// half-way, so that records keep going to it, and returns err.
func (j *Journal) reopenAfter(err error) error {
	f, oerr := os.OpenFile(j.path, os.O_RDWR, 0o600)
	if oerr != nil {
		j.f = nil
		return fmt.Errorf("%w (and the journal cannot be opened again: %v)", err, oerr)
	}
	j.f = f
	return err
}

// pruneLocked deletes the oldest rotated files while more than
// KeepFiles files are left. A file that cannot be deleted stays, to be
// tried at the next rotation.
func (j *Journal) pruneLocked() {
	rs, err := rotated(j.path)
	if err != nil {
		return
	}
	for len(rs)+1 > j.opts.KeepFiles {
		os.Remove(rs[0].path)
		rs = rs[1:]
	}
}
