package benchfig

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWriteThenLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bench.d")
	a := []Figure{{Name: "b", Value: 2, Unit: "ops/s", Reference: 1, Ratio: 2, Note: "n"}}
	b := []Figure{{Name: "a", Value: 1, Unit: "MB/s", Reference: 4, Ratio: 0.25}}
	var out strings.Builder
	if err := Write(filepath.Join(dir, "one.jsonl"), a, &out); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(dir, "two.jsonl"), b, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ratio 2.00") {
		t.Fatalf("printed %q", out.String())
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Figure{b[0], a[0]}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Load = %+v, want %+v", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); err == nil {
		t.Fatal("an empty folder must be an error: make bench measured nothing")
	}
	os.WriteFile(filepath.Join(dir, "bad.jsonl"), []byte("{\"name\":\"x\"}\nnot json\n"), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "bad.jsonl:2") {
		t.Fatalf("Load of a broken line: %v", err)
	}
}
