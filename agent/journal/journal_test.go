package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func appendN(t *testing.T, j *Journal, n int) {
	t.Helper()
	for i := range n {
		_, err := j.Append(Record{Event: EventSignature, Origin: "https://portal.example",
			Certificate: "abcd", Document: fmt.Sprintf("%064x", i), Outcome: OutcomeSigned, Description: "Отчёт \"№1\"\n"})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestAppendVerifyReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "journal.log")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 3)
	seq, head := j.Head()
	j.Close()
	if _, err := j.Append(Record{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
	// Reopened, the chain continues.
	j, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if s, h := j.Head(); s != seq || h != head {
		t.Fatalf("head after reopen %d %s, want %d %s", s, h, seq, head)
	}
	appendN(t, j, 2)
	j.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := Verify(bytes.NewReader(data))
	if err != nil || n != 5 {
		t.Fatalf("Verify: %d, %v", n, err)
	}
	fi, _ := os.Stat(path)
	if !ownerOnly(fi) {
		t.Fatalf("mode %v", fi.Mode())
	}
	var recs []Record
	Read(bytes.NewReader(data), func(r Record) error { recs = append(recs, r); return nil })
	if recs[0].Prev != zeroHash || recs[4].Seq != 5 || recs[1].Prev != recs[0].Hash || recs[0].Time.Location() != time.UTC {
		t.Fatalf("records %+v", recs)
	}
}

// Every kind of change to the file is caught at the right line.
func TestTamperDetected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 5)
	j.Close()
	orig, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(orig), "\n")
	lines = lines[:len(lines)-1]
	join := func(ls ...string) []byte { return []byte(strings.Join(ls, "")) }
	cases := []struct {
		name string
		data []byte
		line int
	}{
		{"changed outcome", bytes.Replace(orig, []byte(`"outcome":"signed"`), []byte(`"outcome":"failed"`), 1), 1},
		{"changed document", bytes.Replace(orig, []byte(fmt.Sprintf("%064x", 2)), []byte(fmt.Sprintf("%064x", 9)), 1), 3},
		{"removed line", join(lines[0], lines[1], lines[3], lines[4]), 3},
		{"removed first line", join(lines[1], lines[2], lines[3], lines[4]), 1},
		{"swapped lines", join(lines[0], lines[2], lines[1], lines[3], lines[4]), 2},
		{"duplicated line", join(lines[0], lines[1], lines[1], lines[2]), 3},
		{"not JSON", join(lines[0], "hello\n"), 2},
		{"extra member", join(lines[0], strings.Replace(lines[1], `{"seq"`, `{"x":1,"seq"`, 1)), 2},
		{"rewritten with a fresh hash", join(lines[0], rehash(t, lines[1], func(r *Record) { r.Outcome = OutcomeFailed }), lines[2]), 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(bytes.NewReader(tc.data))
			var le *LineError
			if !errors.As(err, &le) || !errors.Is(err, ErrTampered) || le.Line != tc.line {
				t.Fatalf("got %v, want line %d", err, tc.line)
			}
		})
	}
}

// rehash changes a record and gives it a correct hash of its own, as a
// forger would: the next line's prev still gives it away.
func rehash(t *testing.T, line string, change func(*Record)) string {
	t.Helper()
	r, err := decode([]byte(strings.TrimSuffix(line, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	change(&r)
	out, _, err := encode(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(out) + "\n"
}

// A crash in the middle of a write leaves a torn line: it is cut off on
// open, a recovery record says so, and the chain verifies.
func TestTornLineRecovered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 2)
	j.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":3,"time":"2026-`)
	f.Close()
	j, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 1)
	j.Close()
	data, _ := os.ReadFile(path)
	var recs []Record
	if err := Read(bytes.NewReader(data), func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[2].Event != EventRecovery || !strings.Contains(recs[2].Reason, "22 bytes") {
		t.Fatalf("records %+v", recs)
	}
}

func TestOneWriterAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if j2, err := Open(path); err == nil {
		j2.Close()
		t.Fatal("a second writer opened the journal")
	}
}

func TestConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			appendN(t, j, 20)
		}()
	}
	wg.Wait()
	j.Close()
	data, _ := os.ReadFile(path)
	if n, err := Verify(bytes.NewReader(data)); err != nil || n != 160 {
		t.Fatalf("%d records, %v", n, err)
	}
}

func FuzzRead(f *testing.F) {
	path := filepath.Join(f.TempDir(), "journal.log")
	j, err := Open(path)
	if err != nil {
		f.Fatal(err)
	}
	j.Append(Record{Event: EventConsent, Outcome: OutcomeApproved, Origin: "https://a.example"})
	j.Append(Record{Event: EventSignature, Outcome: OutcomeSigned})
	j.Close()
	data, _ := os.ReadFile(path)
	f.Add(data)
	f.Add([]byte("{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		Verify(bytes.NewReader(data))
	})
}

func TestWriteThenSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var last Record
	for range 3 {
		if last, err = j.Write(Record{Event: EventSignature, Outcome: OutcomeSigned}); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Sync(last.Seq); err != nil {
		t.Fatal(err)
	}
	if err := j.Sync(1); err != nil {
		t.Fatalf("sync of records already on disk: %v", err)
	}
	w, _ := j.Write(Record{Event: EventSignature, Outcome: OutcomeFailed})
	j.Close() // syncs
	if err := j.Sync(w.Seq + 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("sync after close: %v", err)
	}
	data, _ := os.ReadFile(path)
	if n, err := Verify(bytes.NewReader(data)); err != nil || n != 4 {
		t.Fatalf("%d records, %v", n, err)
	}
}

func TestExpectedRecordSharesTheSync(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.lingerMax = time.Minute // only the announced record ends the wait
	rec := Record{Event: EventSignature, Origin: "https://portal.example", Outcome: OutcomeSigned}

	done := j.Expect()
	first, err := j.Write(rec)
	if err != nil {
		t.Fatal(err)
	}
	synced := make(chan error, 1)
	go func() { synced <- j.Sync(first.Seq) }()
	select {
	case err := <-synced:
		t.Fatalf("Sync returned (%v) while an announced record was still to come", err)
	case <-time.After(50 * time.Millisecond):
	}
	second, err := j.Write(rec)
	if err != nil {
		t.Fatal(err)
	}
	done()
	if err := <-synced; err != nil {
		t.Fatal(err)
	}
	if err := j.Sync(second.Seq); err != nil {
		t.Fatal(err)
	}
	j.syncMu.Lock()
	syncs := j.syncs
	j.syncMu.Unlock()
	if syncs != 1 {
		t.Fatalf("%d fsyncs for two records written while one was announced, want 1", syncs)
	}
}

func TestLingerIsBounded(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.lingerMax = 100 * time.Millisecond
	done := j.Expect() // a record that never comes
	defer done()
	r, err := j.Write(Record{Event: EventSignature, Outcome: OutcomeSigned})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := j.Sync(r.Seq); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(t0); took < j.lingerMax || took > 10*time.Second {
		t.Fatalf("Sync took %v with an announced record that never came; want about %v", took, j.lingerMax)
	}
}

func TestGroupStopsAtItsLimit(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.lingerMax = time.Minute
	done := j.Expect()
	defer done()
	var last Record
	for range j.maxGroup {
		if last, err = j.Write(Record{Event: EventSignature, Outcome: OutcomeSigned}); err != nil {
			t.Fatal(err)
		}
	}
	finished := make(chan error, 1)
	go func() { finished <- j.Sync(last.Seq) }()
	select {
	case err := <-finished:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Sync waited for an announced record with a full group unsynced")
	}
}

// A caller whose record the finished sync covered returns at once, even
// when another caller starts the next sync before it wakes.
func TestCoveredCallerDoesNotWaitForTheNextSync(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.lingerMax = 0
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	real := syncData
	syncData = func(f *os.File) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
		return real(f)
	}
	defer func() { syncData = real }()
	write := func() uint64 {
		r, err := j.Write(Record{Event: EventSignature, Outcome: OutcomeSigned})
		if err != nil {
			t.Fatal(err)
		}
		return r.Seq
	}
	for round := range 20 {
		first := write()
		lead := make(chan error, 1)
		go func() { lead <- j.Sync(first) }()
		<-entered // the first sync has its upTo and is flushing
		second := write()
		covered := make(chan error, 1)
		next := make(chan error, 1)
		go func() { covered <- j.Sync(first) }()
		go func() { next <- j.Sync(second) }()
		time.Sleep(time.Millisecond) // both wait for the first sync
		release <- struct{}{}
		if err := <-lead; err != nil {
			t.Fatal(err)
		}
		<-entered // the next sync has started, and flushes until released
		select {
		case err := <-covered:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(2 * time.Second):
			close(release) // let the syncs end, so that Close does
			t.Fatalf("round %d: a caller whose record was on disk waited for the next sync", round)
		}
		release <- struct{}{}
		if err := <-next; err != nil {
			t.Fatal(err)
		}
	}
}
