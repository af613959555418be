package main

import (
	"runtime"
	"strings"
	"testing"
)

// 'zavera stop' exists, explains itself, refuses stray arguments, and
// says where it does not apply. What it does on Windows is checked by the
// Windows smoke test (.ci/wine-smoke): it ends the installed agent there.
func TestStopCommand(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "stop", "--help")
	if code != 0 || !strings.Contains(out, "Usage: zavera stop [--exe PATH]") {
		t.Fatalf("--help: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, nil, "stop", "extra"); code != 2 || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Errorf("stray argument: exit %d: %s", code, errOut)
	}
	if runtime.GOOS != "windows" {
		code, _, errOut := runCmd(t, nil, "stop")
		if code != 2 || !strings.Contains(errOut, "zavera stop: not available on this system") {
			t.Errorf("stop on %s: exit %d: %s", runtime.GOOS, code, errOut)
		}
	}
}
