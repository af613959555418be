package keysource_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/keyfile"
)

// TestListAddRemove adds a container, reads it back, removes it, and
// refuses what is not a key.
func TestListAddRemove(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", keysource.FileName)
	l := keysource.OpenList(path)
	e, err := l.Add(vectorDir, "")
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(vectorDir)
	if e.Kind != keysource.KindContainer || e.Path != abs || e.ID != keysource.EntryID(abs) {
		t.Errorf("Add = %+v", e)
	}
	// Adding again replaces.
	if _, err := l.Add(vectorDir, ""); err != nil {
		t.Fatal(err)
	}
	got, skipped, err := keysource.OpenList(path).Load()
	if err != nil || len(skipped) != 0 || len(got) != 1 || got[0] != e {
		t.Fatalf("Load = %+v, %v, %v", got, skipped, err)
	}
	if err := l.Remove("nope"); !errors.Is(err, keysource.ErrNotInList) {
		t.Errorf("Remove(unknown) = %v", err)
	}
	if err := l.Remove(e.ID); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := l.Load(); len(got) != 0 {
		t.Errorf("after Remove: %+v", got)
	}
	if _, err := l.Add(t.TempDir(), ""); !errors.Is(err, keyfile.ErrDamaged) {
		t.Errorf("an empty folder: %v, want ErrDamaged", err)
	}
	txt := filepath.Join(t.TempDir(), "a.txt")
	os.WriteFile(txt, []byte("x"), 0o600)
	if _, err := l.Add(txt, ""); !errors.Is(err, keyfile.ErrUnsupported) {
		t.Errorf("a text file: %v, want ErrUnsupported", err)
	}
}

// TestListTolerant: entries that cannot be read are skipped and
// reported; a file that is not JSON is empty and kept aside on save.
func TestListTolerant(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, keysource.FileName)
	abs, _ := filepath.Abs(vectorDir)
	os.WriteFile(path, []byte(`{"keys":[7,{"kind":"cryptopro-container","path":"relative"},
		{"kind":"unknown","path":"/x"},{"kind":"cryptopro-container","path":"`+abs+`","future":1}]}`), 0o600)
	got, skipped, err := keysource.OpenList(path).Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Path != abs || len(skipped) != 3 {
		t.Fatalf("Load = %+v, skipped %v", got, skipped)
	}
	var se *agent.SkippedError
	if !errors.As(skipped[0], &se) || se.Entry != "keys[0]" {
		t.Errorf("skipped[0] = %v", skipped[0])
	}

	os.WriteFile(path, []byte("not json"), 0o600)
	l := keysource.OpenList(path)
	got, skipped, err = l.Load()
	if err != nil || len(got) != 0 || len(skipped) != 1 {
		t.Fatalf("not JSON: %v %v %v", got, skipped, err)
	}
	if _, err := l.Add(vectorDir, ""); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path + ".damaged"); err != nil || string(b) != "not json" {
		t.Errorf("the damaged file was not kept aside: %q %v", b, err)
	}
}
