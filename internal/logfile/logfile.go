// Package logfile is the agent's log file on Windows:
// %LOCALAPPDATA%\Zavera\logs\zavera.log, kept to a few files of bounded
// size.
//
// The agent started from the Run key, the Start menu or the installer has
// no console, so what it writes on standard error is lost; `zavera serve`
// writes its log here as well (Tee), whether a console exists or not, and
// `zavera doctor` says where. On Linux and the other systems Path is
// empty and nothing changes: the log goes to standard error, which a
// systemd user service sends to the journal.
//
// What is written is the agent's log: warnings and errors, and with
// --verbose what it loads and connects; the agent never logs a PIN, a
// document or a key.
//
// # Rules
//
// A *File is safe for concurrent use: each Write goes whole into one
// file. It rotates before a write would take the current file over
// MaxBytes: zavera.log becomes zavera.log.1, zavera.log.1 becomes
// zavera.log.2, and so on, the oldest beyond Keep files removed. Two
// agents of one user writing the same file (one of them about to exit,
// since the second start leaves the port to the first) may interleave
// lines; neither loses its own.
package logfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Defaults of Options.
const (
	DefaultMaxBytes = 1 << 20
	DefaultKeep     = 5
)

// Options bound the files; zero fields take the defaults.
type Options struct {
	// MaxBytes is the size a file may reach before the next one starts.
	MaxBytes int64
	// Keep is how many files are kept, the current one included (at
	// least 1).
	Keep int
}

// File is an open log file that rotates.
type File struct {
	path string
	opts Options

	mu   sync.Mutex
	f    *os.File
	size int64
}

// ErrClosed is the error of a write after Close.
var ErrClosed = errors.New("logfile: closed")

// Path is where the agent's log goes on this system: the file on Windows,
// empty elsewhere.
func Path() (string, error) { return defaultPath() }

// Open opens (or makes) the log file at path, appending, and its folder.
func Open(path string, opts Options) (*File, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Keep <= 0 {
		opts.Keep = DefaultKeep
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("logfile: %w", err)
	}
	l := &File{path: path, opts: opts}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *File) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("logfile: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("logfile: %w", err)
	}
	l.f, l.size = f, st.Size()
	return nil
}

// Write appends p, rotating first when p would take the file over
// MaxBytes (a p larger than MaxBytes gets a file of its own).
func (l *File) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, ErrClosed
	}
	if l.size > 0 && l.size+int64(len(p)) > l.opts.MaxBytes {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

// rotate closes the current file, shifts the old ones and opens a new one.
// The file is closed first: Windows renames no open file.
func (l *File) rotate() error {
	l.f.Close()
	l.f = nil
	os.Remove(name(l.path, l.opts.Keep-1))
	for i := l.opts.Keep - 2; i >= 0; i-- {
		if err := os.Rename(name(l.path, i), name(l.path, i+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			// Keep writing into the same file rather than lose the log.
			break
		}
	}
	if l.opts.Keep == 1 {
		if err := os.Truncate(l.path, 0); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("logfile: %w", err)
		}
	}
	return l.open()
}

// name is the path of the file i generations old: path, path.1, path.2…
func name(path string, i int) string {
	if i == 0 {
		return path
	}
	return fmt.Sprintf("%s.%d", path, i)
}

// Close closes the file; later writes fail with ErrClosed.
func (l *File) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Tee writes to the log file and to w, which may fail or be missing (a
// program with no console has no standard error): its errors are
// ignored, and the file's are returned.
func Tee(file io.Writer, w io.Writer) io.Writer { return tee{file, w} }

type tee struct{ file, w io.Writer }

func (t tee) Write(p []byte) (int, error) {
	if t.w != nil {
		t.w.Write(p)
	}
	return t.file.Write(p)
}
