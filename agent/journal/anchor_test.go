package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// journalOf returns a closed journal of n records and its path.
func journalOf(t *testing.T, n int) string {
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
	return path
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.SplitAfter(string(data), "\n")
	return ls[:len(ls)-1]
}

func writeLines(t *testing.T, path string, ls []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(ls, "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

// recoveredWith returns the recovery record of j whose reason starts
// with prefix.
func recoveredWith(j *Journal, prefix string) (Record, bool) {
	for _, r := range j.Recovered() {
		if strings.HasPrefix(r.Reason, prefix) {
			return r, true
		}
	}
	return Record{}, false
}

func TestIntactJournalChecks(t *testing.T) {
	path := journalOf(t, 5)
	rep, err := Check(path, Options{})
	if err != nil || rep.Records != 5 || !rep.Complete || !rep.Keyed || rep.Head == nil || rep.Head.Seq != 5 || rep.Unkeyed != 0 {
		t.Fatalf("Check of an intact journal: %+v, %v", rep, err)
	}
	fi, err := os.Stat(keyPath(path))
	if err != nil || !ownerOnly(fi) {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	key, _ := os.ReadFile(keyPath(path))
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, bytes.TrimSpace(key)) {
		t.Fatal("the key is in the journal")
	}
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if len(j.Recovered()) != 0 {
		t.Fatalf("reopening an intact journal recorded %+v", j.Recovered())
	}
}

// Records cut off the end: the head names a record the file no longer
// holds.
func TestTruncationReported(t *testing.T) {
	path := journalOf(t, 10)
	ls := lines(t, path)
	writeLines(t, path, ls[:7])
	if n, err := Verify(bytes.NewReader([]byte(strings.Join(ls[:7], "")))); err != nil || n != 7 {
		t.Fatalf("the chain alone: %d, %v", n, err)
	}
	_, err := Check(path, Options{})
	if !errors.Is(err, ErrTruncated) || errors.Is(err, ErrRewritten) || errors.Is(err, ErrTampered) {
		t.Fatalf("Check after cutting 3 records: %v, want ErrTruncated", err)
	}
	if !strings.Contains(err.Error(), "records 8 to 10 are missing") {
		t.Fatalf("Check says %v", err)
	}
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := recoveredWith(j, "truncated:")
	if !ok || r.Seq != 8 {
		t.Fatalf("recovery records %+v, want one saying truncated as seq 8", j.Recovered())
	}
	j.Close()
	// Recorded, the journal checks again; the record stays.
	rep, err := Check(path, Options{})
	if err != nil || len(rep.Recoveries) != 1 {
		t.Fatalf("Check after the recovery: %+v, %v", rep, err)
	}
}

// rechain rewrites every line with a correct hash chain, as a forger
// without the key would: change alters the records, and keepMAC keeps
// the old MACs (else they go).
func rechain(t *testing.T, ls []string, keepMAC bool, change func(*Record)) []string {
	t.Helper()
	prev := zeroHash
	out := make([]string, len(ls))
	for i, l := range ls {
		r, err := decode([]byte(strings.TrimSuffix(l, "\n")))
		if err != nil {
			t.Fatal(err)
		}
		change(&r)
		r.Prev = prev
		line, hash, err := encode(r)
		if err != nil {
			t.Fatal(err)
		}
		if keepMAC {
			line = withMAC(line, r.MAC)
		}
		out[i] = string(line) + "\n"
		prev = hash
	}
	return out
}

// A whole chain recomputed: every hash is right, no MAC is.
func TestRewriteReported(t *testing.T) {
	for _, keepMAC := range []bool{true, false} {
		name := "MACs dropped"
		if keepMAC {
			name = "old MACs kept"
		}
		t.Run(name, func(t *testing.T) {
			path := journalOf(t, 5)
			forged := rechain(t, lines(t, path), keepMAC, func(r *Record) {
				if r.Seq == 2 {
					r.Origin = "https://other.example"
				}
			})
			writeLines(t, path, forged)
			if n, err := Verify(strings.NewReader(strings.Join(forged, ""))); err != nil || n != 5 {
				t.Fatalf("the forged chain alone: %d, %v", n, err)
			}
			_, err := Check(path, Options{})
			if !errors.Is(err, ErrRewritten) || errors.Is(err, ErrTampered) || errors.Is(err, ErrTruncated) {
				t.Fatalf("Check of a recomputed chain: %v, want ErrRewritten", err)
			}
			j, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if _, ok := recoveredWith(j, "rewritten:"); !ok {
				t.Fatalf("recovery records %+v, want one saying rewritten", j.Recovered())
			}
		})
	}
}

// The head file rewritten to match a shortened journal, with the MAC of
// a record copied from the journal, does not pass.
func TestForgedHeadReported(t *testing.T) {
	path := journalOf(t, 6)
	ls := lines(t, path)
	writeLines(t, path, ls[:4])
	r, _ := decode([]byte(strings.TrimSuffix(ls[3], "\n")))
	head := []byte(headMagic)
	head = append(head, []byte(strings.Repeat("0", 19)+"4 "+r.Hash+" "+r.MAC+"\n")...)
	if err := os.WriteFile(headPath(path), head, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(path, Options{}); !errors.Is(err, ErrRewritten) {
		t.Fatalf("Check with a forged head: %v, want ErrRewritten", err)
	}
}

// A head that lags, as a crash can leave it, is no alarm.
func TestLaggingHeadAccepted(t *testing.T) {
	path := journalOf(t, 3)
	old, _ := os.ReadFile(headPath(path))
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 4)
	j.Close()
	os.WriteFile(headPath(path), old, 0o600)
	if rep, err := Check(path, Options{}); err != nil || rep.Head.Seq != 3 || rep.Last != 7 {
		t.Fatalf("Check with a lagging head: %+v, %v", rep, err)
	}
	j, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if len(j.Recovered()) != 0 {
		t.Fatalf("a lagging head gave recovery records %+v", j.Recovered())
	}
}

// A damaged last line neither stops Open nor is lost: it is moved aside,
// and a recovery record says where.
func TestDamagedLastLineRecovered(t *testing.T) {
	path := journalOf(t, 4)
	ls := lines(t, path)
	damaged := strings.Replace(ls[3], `"outcome":"signed"`, `"outcome":"sig`, 1)
	ls[3] = damaged
	writeLines(t, path, ls)
	j, err := Open(path)
	if err != nil {
		t.Fatalf("Open with a damaged last line: %v", err)
	}
	r, ok := recoveredWith(j, "damaged:")
	if !ok {
		t.Fatalf("recovery records %+v, want one saying damaged", j.Recovered())
	}
	if _, ok := recoveredWith(j, "truncated:"); !ok {
		t.Fatalf("recovery records %+v: the head named the damaged record, which is gone", j.Recovered())
	}
	aside := r.Reason[strings.LastIndex(r.Reason, " ")+1:]
	if kept, err := os.ReadFile(aside); err != nil || string(kept) != damaged {
		t.Fatalf("the damaged line was not kept aside: %q, %v", kept, err)
	}
	appendN(t, j, 1)
	j.Close()
	rep, err := Check(path, Options{})
	if err != nil || rep.Records != 6 || len(rep.Recoveries) != 2 {
		t.Fatalf("Check after recovery: %+v, %v", rep, err)
	}
}

// A file whose end cannot be read at all is set aside whole.
func TestUnreadableEndSetAside(t *testing.T) {
	path := journalOf(t, 2)
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 3*maxLine), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer j.Close()
	if _, ok := recoveredWith(j, "damaged:"); !ok {
		t.Fatalf("recovery records %+v", j.Recovered())
	}
}

// A journal without a key file from before keys: keyed from here on,
// and Check says which records are not anchored.
func TestUnkeyedJournalKeyed(t *testing.T) {
	path := journalOf(t, 3)
	forged := rechain(t, lines(t, path), false, func(*Record) {})
	writeLines(t, path, forged)
	os.Remove(keyPath(path))
	os.Remove(headPath(path))
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := recoveredWith(j, "unanchored:"); !ok {
		t.Fatalf("recovery records %+v", j.Recovered())
	}
	j.Close()
	rep, err := Check(path, Options{})
	if !errors.Is(err, ErrUnanchored) || rep.Unkeyed != 3 {
		t.Fatalf("Check: %+v, %v", rep, err)
	}
}

// Past its cap the journal goes on in a new file whose first record
// chains to the last of the one before; the oldest files go.
func TestRotationKeepsTheChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	o := Options{MaxFileBytes: MinFileBytes, KeepFiles: 3}
	j, err := OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000 // some 6 files' worth
	var last Record
	for i := range n {
		if last, err = j.Write(Record{Event: EventSignature, Origin: "https://portal.example", Outcome: OutcomeSigned,
			Description: strings.Repeat("d", i%300)}); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			if fi, err := os.Stat(path); err != nil || fi.Size() > o.MaxFileBytes+1 {
				t.Fatalf("the open file: %v, %v; cap %d", fi.Size(), err, o.MaxFileBytes)
			}
		}
	}
	if err := j.Sync(last.Seq); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := Files(path)
	if err != nil || len(files) != 3 || files[2] != path {
		t.Fatalf("files %v, %v; want 3 ending with %s", files, err, path)
	}
	for _, f := range files {
		if fi, _ := os.Stat(f); fi.Size() > o.MaxFileBytes {
			t.Fatalf("%s: %d bytes, cap %d", f, fi.Size(), o.MaxFileBytes)
		}
	}
	rep, err := Check(path, o)
	if err != nil || rep.Complete || rep.Last != n || rep.First <= 1 || rep.Records != int(rep.Last-rep.First+1) {
		t.Fatalf("Check across files: %+v, %v", rep, err)
	}
	// Each file after the first starts with the record after the last
	// of the one before, chained to it.
	var prevLast Record
	for i, f := range files {
		var first, lastOf Record
		err := readFile(f, &chain{open: true}, func(r Record, line int) error {
			if line == 1 {
				first = r
			}
			lastOf = r
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && (first.Prev != prevLast.Hash || first.Seq != prevLast.Seq+1) {
			t.Fatalf("%s starts with seq %d prev %s; the file before ends with seq %d hash %s", f, first.Seq, first.Prev, prevLast.Seq, prevLast.Hash)
		}
		prevLast = lastOf
	}
	// A record removed from an older file is found across files.
	ls := lines(t, files[1])
	writeLines(t, files[1], ls[:len(ls)-1])
	if _, err := Check(path, o); !errors.Is(err, ErrTampered) {
		t.Fatalf("Check with the last record of a middle file removed: %v", err)
	}
	writeLines(t, files[1], ls)
	// Reopened, it goes on where it was, even from an empty file.
	j, err = OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	if seq, _ := j.Head(); seq != n || len(j.Recovered()) != 0 {
		t.Fatalf("reopened at %d with %+v", seq, j.Recovered())
	}
	j.Close()
}

// Refusals counted are written as one record per origin and reason, at
// the interval and on Close, not one per refusal.
func TestRefusalsCounted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	j, err := OpenWith(path, Options{RefusalInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for range 5000 {
		j.CountRefusal("https://a.example", "busy")
	}
	j.CountRefusal("https://b.example", "cancelled")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if seq, _ := j.Head(); seq >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no refusal record written at the interval")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for range 7 {
		j.CountRefusal("https://a.example", "busy")
	}
	j.Close()
	var recs []Record
	if err := ReadAll(path, func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		origin, reason string
		count          uint64
	}{{"https://a.example", "busy", 5000}, {"https://b.example", "cancelled", 1}, {"https://a.example", "busy", 7}}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d: %+v", len(recs), len(want), recs)
	}
	for i, w := range want {
		if r := recs[i]; r.Event != EventRefusal || r.Origin != w.origin || r.Reason != w.reason || r.Count != w.count {
			t.Fatalf("record %d: %+v, want %+v", i, r, w)
		}
	}
}

// A rotation that fails does not fail the record: it goes to the current
// file, and a later rotation keeps the chain.
func TestFailedRotationKeepsWriting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	o := Options{MaxFileBytes: MinFileBytes}
	j, err := OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	real := rename
	rename = func(string, string) error { return errors.New("the file is in use") }
	defer func() { rename = real }()
	write := func(n int) {
		for range n {
			if _, err := j.Write(Record{Event: EventSignature, Outcome: OutcomeSigned, Description: strings.Repeat("d", 300)}); err != nil {
				t.Fatalf("write while rotation fails: %v", err)
			}
		}
	}
	write(MinFileBytes / 300)
	j.mu.Lock()
	end, rotations, rerr := j.end, j.rotations, j.rotateErr
	j.mu.Unlock()
	if rotations != 0 || rerr == nil || end <= o.MaxFileBytes {
		t.Fatalf("%d rotations, error %v, %d bytes", rotations, rerr, end)
	}
	rename = real
	write(MinFileBytes / 300)
	j.mu.Lock()
	rotations = j.rotations
	j.mu.Unlock()
	if rotations == 0 {
		t.Fatal("no rotation once renaming works again")
	}
	last, _ := j.Write(Record{Event: EventSignature, Outcome: OutcomeSigned})
	j.Sync(last.Seq)
	if rep, err := Check(path, o); err != nil || rep.Last != last.Seq || !rep.Complete {
		t.Fatalf("Check: %+v, %v", rep, err)
	}
}

// Every journal file deleted, the key and head left: Open says so and
// goes on from the head.
func TestDeletedFilesReported(t *testing.T) {
	path := journalOf(t, 5)
	os.Remove(path)
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := recoveredWith(j, "truncated:")
	if !ok || r.Seq != 6 {
		t.Fatalf("recovery records %+v", j.Recovered())
	}
	j.Close()
}

// A lost key: Open makes a new one and says so; the records before it no
// longer match their MACs.
func TestLostKey(t *testing.T) {
	path := journalOf(t, 3)
	os.Remove(keyPath(path))
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := recoveredWith(j, "unanchored: the key file was missing"); !ok || r.Seq != 4 {
		t.Fatalf("recovery records %+v", j.Recovered())
	}
	appendN(t, j, 1)
	j.Close()
	var le *LineError
	if _, err := Check(path, Options{}); !errors.Is(err, ErrRewritten) || !errors.As(err, &le) || le.Line != 1 {
		t.Fatalf("Check after a new key: %v", err)
	}
}
