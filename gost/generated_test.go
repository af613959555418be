package gost

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedCodeIsCurrent runs the generators behind the *_generated.go,
// mod8.go and pm8.go files and checks that the committed files are what
// they write, so that an edit to a template or to mod4.go cannot be
// forgotten in its copies.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Fatalf("sh is needed to run the generators: %v", err)
	}
	work := t.TempDir()
	inputs, err := filepath.Glob("tmpl_*.go")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("templates: %v %v", inputs, err)
	}
	inputs = append(inputs, "mod4.go", "pm4.go", "gen_curves.sh", "gen_mod8.sh")
	for _, name := range inputs {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, script := range []string{"gen_curves.sh", "gen_mod8.sh"} {
		if out, err := exec.Command("sh", filepath.Join(work, script)).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
	}
	generated, _ := filepath.Glob(filepath.Join(work, "curve_*_generated.go"))
	generated = append(generated, filepath.Join(work, "mod8.go"), filepath.Join(work, "pm8.go"))
	if len(generated) != 6 {
		t.Fatalf("generators wrote %v", generated)
	}
	for _, path := range generated {
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from what its generator writes now (run go generate ./gost): %v", name, err)
		}
	}

	out, err := exec.Command("go", "run", "./internal/genmul").Output()
	if err != nil {
		t.Fatalf("genmul: %v", err)
	}
	if got, err := os.ReadFile("mul_generated.go"); err != nil || !bytes.Equal(got, out) {
		t.Errorf("mul_generated.go differs from what genmul writes now (run go generate ./gost): %v", err)
	}
}
