package testtoken_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// TestCCallers builds ctest/abi.c and runs it against the module: the
// checks that need a C caller (the application's mutex callbacks, NULL
// arguments, CKF_DONT_BLOCK, C_Finalize under a blocked
// C_WaitForSlotEvent, length queries).
func TestCCallers(t *testing.T) {
	module(t)
	root := osslref.Root(t)
	bin := filepath.Join(t.TempDir(), "abi")
	cflags := "-I/usr/include/p11-kit-1"
	if out, err := exec.Command("pkg-config", "--cflags", "p11-kit-1").Output(); err == nil {
		cflags = strings.TrimSpace(string(out))
	}
	args := append([]string{"-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-pthread"}, strings.Fields(cflags)...)
	args = append(args, "-o", bin, filepath.Join(root, "testtoken", "ctest", "abi.c"), "-ldl")
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc (apt-get install build-essential libp11-kit-dev): %v\n%s", err, out)
	}
	out, err := exec.Command(bin, filepath.Join(root, "build", "libgosttoken.so"), t.TempDir()).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("abi: %v\n%s", err, out)
	}
}
