package cpcontainer

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestDiscover finds containers in a folder the user added (its
// subfolders, whatever their names) and a container folder given itself,
// and skips folders that are not containers.
func TestDiscover(t *testing.T) {
	base := t.TempDir()
	a := filepath.Join(base, "drive", "srv.000")
	b := filepath.Join(base, "drive", "other name")
	notc := filepath.Join(base, "drive", "empty.001")
	for _, d := range []string{a, b, notc} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{a, b} {
		for _, f := range []string{fileHeader, fileMasks, filePrimary} {
			os.WriteFile(filepath.Join(d, f), []byte{0x30, 0}, 0o600)
		}
	}
	os.WriteFile(filepath.Join(notc, fileHeader), []byte{0x30, 0}, 0o600)
	got := Discover([]string{filepath.Join(base, "drive"), a, filepath.Join(base, "missing")})
	var mine []string
	for _, g := range got {
		if filepath.Dir(g) == filepath.Join(base, "drive") {
			mine = append(mine, g)
		}
	}
	want := []string{b, a}
	if !reflect.DeepEqual(mine, want) {
		t.Errorf("Discover = %v, want %v", mine, want)
	}
	if !IsContainer(vectorDir) || IsContainer(notc) {
		t.Error("IsContainer")
	}
}
