package benchfig

import (
	"os/exec"
	"testing"
)

func TestHarnessRate(t *testing.T) {
	r, err := HarnessRate(exec.Command("echo", "300", "1.5"))
	if err != nil || r != 200 {
		t.Fatalf("rate %v, %v; want 200", r, err)
	}
	for _, out := range []string{"300", "x 1", "3 0", "1 2 3"} {
		if _, err := HarnessRate(exec.Command("echo", out)); err == nil {
			t.Errorf("output %q accepted", out)
		}
	}
	if _, err := HarnessRate(exec.Command("false")); err == nil {
		t.Error("a failing harness accepted")
	}
}
