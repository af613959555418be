package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An open journal keeps zeros ahead of its records, more as it grows;
// readers stop at them, and Close cuts them off.
func TestSpaceAhead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// Past one step of space ahead.
	n := growStep/400 + 10
	appendN(t, j, n)
	open, _ := os.ReadFile(path)
	end := bytes.LastIndexByte(open, '\n') + 1
	if len(open) <= end || len(bytes.Trim(open[end:], "\x00")) != 0 || len(open)%growStep != 0 || len(open) < 2*growStep {
		t.Fatalf("open journal: %d bytes, records end at %d, want zeros ahead in steps of %d", len(open), end, growStep)
	}
	if got, err := Verify(bytes.NewReader(open)); err != nil || got != n {
		t.Fatalf("Verify while open: %d, %v", got, err)
	}
	j.Close()
	closed, _ := os.ReadFile(path)
	if !bytes.Equal(closed, open[:end]) {
		t.Fatalf("closed journal: %d bytes, want the %d bytes of records", len(closed), end)
	}
}

// closedJournal returns a closed journal of n records, its lines and its
// path.
func closedJournal(t *testing.T, n int) ([]byte, []string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.log")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, n)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data, strings.SplitAfter(string(data), "\n"), path
}

// openCopy opens the journal in a copy of data, as if a crash had left it
// so, with the key and head of the journal at from, and returns it and
// its path.
func openCopy(t *testing.T, from string, data []byte) (*Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crashed.log")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	copyFile(t, keyPath(from), keyPath(path))
	copyFile(t, headPath(from), headPath(path))
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return j, path
}

func readAll(t *testing.T, path string) []Record {
	t.Helper()
	data, _ := os.ReadFile(path)
	if bytes.IndexByte(data, 0) >= 0 {
		t.Fatal("zeros left in a closed journal")
	}
	var recs []Record
	if err := Read(bytes.NewReader(data), func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return recs
}

// What a crash can leave at the end of the file, and what Open makes of
// it: the zeros go; anything written after the first zero, or cut short
// by it, was never synced and goes too, with a recovery record saying
// how much.
func TestCrashLeftovers(t *testing.T) {
	recs, lines, from := closedJournal(t, 3)
	zeros := string(make([]byte, 5000))
	torn := `{"seq":4,"time":"2026-`
	cases := []struct {
		name string
		tail string
		lost int // bytes named in the recovery record; 0: none
	}{
		{"only zeros", zeros, 0},
		{"a line cut short by the zeros", torn + zeros, len(torn)},
		{"a block written after one that was not", zeros[:4096] + lines[1] + zeros, len(lines[1])},
		{"a line cut short, then a later block", torn + zeros[:100] + "xyz" + zeros, len(torn) + 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j, p := openCopy(t, from, append(append([]byte(nil), recs...), tc.tail...))
			appendN(t, j, 1)
			j.Close()
			got := readAll(t, p)
			want := 4
			if tc.lost > 0 {
				want = 5
				if got[3].Event != EventRecovery || !strings.Contains(got[3].Reason, fmt.Sprintf(" %d bytes", tc.lost)) {
					t.Fatalf("recovery record %+v, want %d bytes cut", got[3], tc.lost)
				}
			}
			if len(got) != want || got[len(got)-1].Seq != uint64(want) {
				t.Fatalf("%d records after reopening, want %d", len(got), want)
			}
		})
	}
}

// Zeros are the end of a journal only when nothing else follows them:
// a reader names the line after them.
func TestDataAfterZerosIsTampering(t *testing.T) {
	_, lines, _ := closedJournal(t, 3)
	for name, tc := range map[string]struct {
		data string
		line int
	}{
		"records hidden after zeros": {lines[0] + string(make([]byte, 64)) + lines[1] + lines[2], 2},
		"a line cut short by zeros":  {lines[0] + lines[1][:40] + string(make([]byte, 64)), 2},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Verify(strings.NewReader(tc.data))
			var le *LineError
			if !errors.As(err, &le) || !errors.Is(err, ErrTampered) || le.Line != tc.line {
				t.Fatalf("got %v, want line %d", err, tc.line)
			}
		})
	}
}

// Records written without a Sync are synced once they pass maxUnsynced,
// which bounds what Open has to search after a crash.
func TestUnsyncedRunIsBounded(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var last Record
	for range maxUnsynced/400 + 10 {
		if last, err = j.Write(Record{Event: EventSignature, Outcome: OutcomeSigned, Description: strings.Repeat("d", 300)}); err != nil {
			t.Fatal(err)
		}
	}
	j.mu.Lock()
	end, durable := j.end, j.durableEnd
	j.mu.Unlock()
	if durable == 0 || end-durable > maxUnsynced {
		t.Fatalf("%d bytes written, %d synced: the unsynced run is over %d", end, durable, maxUnsynced)
	}
	if err := j.Sync(last.Seq); err != nil {
		t.Fatal(err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.durableEnd != j.end {
		t.Fatalf("after Sync: %d of %d bytes synced", j.durableEnd, j.end)
	}
}

// A process killed while it appends leaves a journal that opens again
// with every record it acknowledged, and verifies.
func TestKilledWriter(t *testing.T) {
	if path := os.Getenv("ZAVERA_JOURNAL_WRITER"); path != "" {
		j, err := Open(path)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		for {
			r, err := j.Append(Record{Event: EventSignature, Outcome: OutcomeSigned, Origin: "https://portal.example"})
			if err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
			fmt.Println(r.Seq)
		}
	}
	path := filepath.Join(t.TempDir(), "journal.log")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledWriter$")
	cmd.Env = append(os.Environ(), "ZAVERA_JOURNAL_WRITER="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var acked uint64
	deadline := time.Now().Add(20 * time.Second)
	for acked < 300 && sc.Scan() {
		if acked, err = strconv.ParseUint(sc.Text(), 10, 64); err != nil {
			t.Fatalf("writer: %s", sc.Text())
		}
		if time.Now().After(deadline) {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for sc.Scan() { // acknowledged before the signal landed
		if n, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
			acked = n
		}
	}
	cmd.Wait()
	if acked < 300 {
		t.Fatalf("the writer acknowledged %d records", acked)
	}
	left, _ := os.ReadFile(path)
	if bytes.IndexByte(left, 0) < 0 {
		t.Fatal("the killed writer left no space ahead: the crash path was not taken")
	}
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := j.Head()
	// The head is flushed lazily: whatever a kill left of it names a
	// record on disk, never one beyond.
	for _, r := range j.Recovered() {
		if !strings.HasPrefix(r.Reason, "cut off ") {
			t.Fatalf("after the kill: %s", r.Reason)
		}
	}
	j.Close()
	if _, err := Check(path, Options{}); err != nil {
		t.Fatalf("Check after the kill: %v", err)
	}
	recs := readAll(t, path)
	if seq < acked || uint64(len(recs)) != seq {
		t.Fatalf("after the kill: %d records, head %d, %d acknowledged", len(recs), seq, acked)
	}
}

func keyPath(journal string) string  { return strings.TrimSuffix(journal, ".log") + ".key" }
func headPath(journal string) string { return strings.TrimSuffix(journal, ".log") + ".head" }

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
