package journal

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A reader in the middle of a journal file, as `zavera journal` or the
// main window while the agent runs, stands in the way of neither the
// rotation that renames that file nor the pruning that deletes it.
func TestRotationWhileReading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	o := Options{MaxFileBytes: MinFileBytes, KeepFiles: MinKeepFiles}
	j, err := OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	rotations := func() (int, error) {
		j.mu.Lock()
		defer j.mu.Unlock()
		return j.rotations, j.rotateErr
	}
	// rotate writes records until the journal has rotated once more.
	rotate := func() {
		before, _ := rotations()
		for n := 0; ; n++ {
			r, err := j.Write(Record{Event: EventSignature, Outcome: OutcomeSigned, Description: strings.Repeat("d", 300)})
			if err != nil {
				t.Fatal(err)
			}
			if now, rerr := rotations(); now > before {
				if err := j.Sync(r.Seq); err != nil {
					t.Fatal(err)
				}
				return
			} else if rerr != nil || n > 2*MinFileBytes/300 {
				t.Fatalf("no rotation after %d records: %v", n, rerr)
			}
		}
	}
	// whileReading reads the journal file name and calls fn once the
	// first record is read, the file still open.
	whileReading := func(name string, fn func()) error {
		t.Helper()
		read := 0
		err := readFile(name, &chain{open: true}, func(Record, int) error {
			if read++; read == 1 {
				fn()
			}
			return nil
		})
		if read == 0 {
			t.Fatalf("reading %s: no record, %v", name, err)
		}
		return err
	}

	// Two files, the rotated one and the live one; a rotation while the
	// rotated one is read prunes it.
	rotate()
	files, err := Files(path)
	if err != nil || len(files) != 2 {
		t.Fatalf("files %v, %v; want the rotated file and the live one", files, err)
	}
	if err := whileReading(files[0], rotate); err != nil {
		t.Fatalf("reading a rotated file: %v", err)
	}
	now, err := Files(path)
	if err != nil || len(now) != o.KeepFiles || slices.Contains(now, files[0]) {
		t.Fatalf("files %v, %v; want %d, without %s", now, err, o.KeepFiles, files[0])
	}
	// One while the live file is read renames it. The reader may find
	// the records written meanwhile after the zeros it read ahead of
	// them, and say so: a file read while it is written is not read
	// whole.
	whileReading(path, rotate)
	if now, err = Files(path); err != nil || len(now) != o.KeepFiles {
		t.Fatalf("files %v, %v; want %d", now, err, o.KeepFiles)
	}
	if rep, err := Check(path, o); err != nil || !rep.Keyed {
		t.Fatalf("Check: %+v, %v", rep, err)
	}
}
