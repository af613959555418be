package testtoken_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// TestCCallers builds ctest/abi.c and runs it against the module: the
// checks that need a C caller (the application's mutex callbacks, NULL
// arguments, CKF_DONT_BLOCK, C_Finalize under a blocked
// C_WaitForSlotEvent, length queries, key import), under valgrind.
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
	// Under valgrind, so that a use of freed or uninitialised memory in the
	// module fails the test rather than corrupting a signature now and then.
	valgrind, err := exec.LookPath("valgrind")
	if err != nil {
		t.Fatalf("valgrind is missing (apt-get install valgrind; make test installs it): %v", err)
	}
	cmd := exec.Command(valgrind, "-q", "--error-exitcode=99", bin, filepath.Join(root, "build", "libgosttoken.so"), t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("abi under valgrind: %v\n%s", err, out)
	}
}

// TestThreadSanitizer builds the module and ctest/stress.c with
// ThreadSanitizer and runs four signing threads, a slot event waiter and
// a token pulled out and put back 30 times: any data race in the module
// fails the test.
func TestThreadSanitizer(t *testing.T) {
	root := osslref.Root(t)
	cflags := "-I/usr/include/p11-kit-1"
	if out, err := exec.Command("pkg-config", "--cflags", "p11-kit-1").Output(); err == nil {
		cflags = strings.TrimSpace(string(out))
	}
	work := t.TempDir()
	sources, err := filepath.Glob(filepath.Join(root, "testtoken", "csrc", "*.c"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("module sources: %v %v", sources, err)
	}
	so := filepath.Join(work, "libgosttoken-tsan.so")
	build := func(args ...string) {
		t.Helper()
		all := append([]string{"-std=c11", "-D_GNU_SOURCE", "-O1", "-g", "-fsanitize=thread", "-pthread",
			"-Wall", "-Wextra", "-Werror", "-Wno-deprecated-declarations"}, strings.Fields(cflags)...)
		if out, err := exec.Command("gcc", append(all, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("gcc (apt-get install build-essential libp11-kit-dev libssl-dev): %v\n%s", err, out)
		}
	}
	build(append(append([]string{"-fPIC", "-shared", "-fvisibility=hidden", "-o", so}, sources...), "-lcrypto")...)
	bin := filepath.Join(work, "stress")
	build("-o", bin, filepath.Join(root, "testtoken", "ctest", "stress.c"), "-ldl")
	// setarch -R: ThreadSanitizer in GCC 12 cannot map its shadow memory
	// under the large address randomisation of recent kernels.
	cmd := exec.Command(bin, so, t.TempDir())
	if setarch, err := exec.LookPath("setarch"); err == nil {
		cmd = exec.Command(setarch, "-R", bin, so, t.TempDir())
	}
	cmd.Env = append(os.Environ(), "TSAN_OPTIONS=suppressions="+filepath.Join(root, "testtoken", "ctest", "tsan.supp"))
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "ThreadSanitizer") || !strings.HasPrefix(string(out), "ok:") {
		t.Fatalf("stress under ThreadSanitizer: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(string(out)))
}
