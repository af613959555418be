package journal

import (
	"io/fs"
	"os"
	"runtime"
	"strings"
	"testing"
)

// ownerOnly reports whether a journal's file is its owner's only, as far
// as its mode says: mode 0600. A Windows file has no mode (os.Stat makes
// one up from the read-only attribute); its ACL, inherited from the state
// folder, says who may read it.
func ownerOnly(fi fs.FileInfo) bool {
	return runtime.GOOS == "windows" || fi.Mode().Perm() == 0o600
}

// A key file that others may read is made its owner's again, and a
// recovery record says so; on Windows, where the mode means nothing, a
// key file is left as it is and nothing is recorded.
func TestKeyReadableByOthers(t *testing.T) {
	path := journalOf(t, 2)
	if err := os.Chmod(keyPath(path), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	r, found := recoveredWith(j, "the key file ")
	if runtime.GOOS == "windows" {
		if len(j.Recovered()) != 0 {
			t.Fatalf("recovery records %+v, want none", j.Recovered())
		}
		return
	}
	if !found || !strings.Contains(r.Reason, "its mode is now 0600") || len(j.Recovered()) != 1 {
		t.Fatalf("recovery records %+v, want one about the key's mode", j.Recovered())
	}
	if fi, err := os.Stat(keyPath(path)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	// Made its owner's, it gives no record at the next Open.
	j.Close()
	if j, err = Open(path); err != nil {
		t.Fatal(err)
	}
	if len(j.Recovered()) != 0 {
		t.Fatalf("reopened: recovery records %+v, want none", j.Recovered())
	}
}
