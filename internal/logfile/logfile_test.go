package logfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestRotatesAndKeeps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "zavera.log")
	l, err := Open(path, Options{MaxBytes: 100, Keep: 3})
	if err != nil {
		t.Fatal(err)
	}
	line := func(i int) string { return fmt.Sprintf("line %03d %s\n", i, strings.Repeat("x", 20)) } // 30 bytes
	for i := range 20 {
		if _, err := l.Write([]byte(line(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Three lines a file: 18-19 now, 15-17 and 12-14 before, the rest gone.
	for gen, want := range []string{line(18) + line(19), line(15) + line(16) + line(17), line(12) + line(13) + line(14)} {
		b, err := os.ReadFile(name(path, gen))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("%s:\n%s\nwant\n%s", name(path, gen), b, want)
		}
		if len(b) > 100 {
			t.Errorf("%s has %d bytes, over the 100 allowed", name(path, gen), len(b))
		}
	}
	if _, err := os.Stat(name(path, 3)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a fourth file is kept: %v", err)
	}
	if _, err := l.Write([]byte("late\n")); !errors.Is(err, ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
}

// Reopened, the file goes on from its size: a restart does not let it
// grow past the bound.
func TestReopenCountsWhatIsThere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zavera.log")
	if err := os.WriteFile(path, bytes.Repeat([]byte("a"), 90), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path, Options{MaxBytes: 100, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Write([]byte("twenty bytes of log\n")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	old, _ := os.ReadFile(name(path, 1))
	if string(b) != "twenty bytes of log\n" || len(old) != 90 {
		t.Errorf("current %q, previous %d bytes: want the write in a new file", b, len(old))
	}
}

// Writes from many goroutines each land whole.
func TestConcurrentWritesWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zavera.log")
	l, err := Open(path, Options{MaxBytes: 1 << 20, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				fmt.Fprintf(l, "goroutine %d line %03d %s\n", g, i, strings.Repeat("y", 40))
			}
		})
	}
	wg.Wait()
	l.Close()
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 1600 {
		t.Fatalf("%d lines, want 1600", len(lines))
	}
	for _, ln := range lines {
		if len(ln) != len("goroutine 0 line 000 ")+40 {
			t.Fatalf("torn line %q", ln)
		}
	}
}

type broken struct{}

func (broken) Write([]byte) (int, error) { return 0, os.ErrInvalid }

// With no standard error (a program started with no console) the file
// still gets everything.
func TestTeeWithoutStderr(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zavera.log")
	l, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var seen bytes.Buffer
	for _, w := range []io.Writer{broken{}, &seen} {
		tw := Tee(l, w)
		if n, err := fmt.Fprintln(tw, "hello"); err != nil || n != 6 {
			t.Fatalf("tee: %d, %v", n, err)
		}
	}
	b, _ := os.ReadFile(path)
	if string(b) != "hello\nhello\n" || seen.String() != "hello\n" {
		t.Errorf("file %q, other %q", b, seen.String())
	}
}
