//go:build !windows

package childproc

import (
	"os/exec"
	"testing"
)

func TestNoConsoleChangesNothing(t *testing.T) {
	if a := NoConsole(exec.Command("zavera")).SysProcAttr; a != nil {
		t.Fatalf("SysProcAttr: %+v, want none", a)
	}
}
