// Package osslref runs OpenSSL with the GOST engine as an independent
// reference in tests.
//
// The configuration in testdata/openssl-gost.cnf at the top of the module
// loads the engine and teaches OpenSSL the INNLE attribute. Command sets
// OPENSSL_CONF to it, so a test never depends on the machine's own
// configuration. When openssl or the engine is missing the test fails with
// the command that installs them: `make test` installs them first, so a
// missing reference is a broken set-up, never a reason to skip.
package osslref

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

// Root returns the module's top directory (the one holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = os.ErrNotExist
				return
			}
			dir = parent
		}
	})
	if rootErr != nil {
		t.Fatalf("osslref: cannot find the module root: %v", rootErr)
	}
	return rootDir
}

// Config returns the path of the OpenSSL configuration that loads the GOST
// engine.
func Config(t testing.TB) string {
	return filepath.Join(Root(t), "testdata", "openssl-gost.cnf")
}

// Env returns the environment for an openssl child process.
func Env(t testing.TB) []string {
	return append(os.Environ(), "OPENSSL_CONF="+Config(t))
}

// Require fails the test unless openssl with the GOST engine is usable.
func Require(t testing.TB) {
	t.Helper()
	checkOnce.Do(func() {
		cmd := exec.Command("openssl", "dgst", "-md_gost12_256")
		cmd.Env = Env(t)
		cmd.Stdin = bytes.NewReader(nil)
		out, err := cmd.CombinedOutput()
		if err != nil {
			checkErr = string(out) + err.Error()
		}
	})
	if checkErr != "" {
		t.Fatalf("openssl with the GOST engine is not usable (install: apt-get install openssl libengine-gost-openssl): %s", checkErr)
	}
}

var (
	checkOnce sync.Once
	checkErr  string
)

// Run runs openssl with args and stdin, failing the test when it exits
// non-zero, and returns its standard output.
func Run(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	out, errOut, err := Try(t, stdin, args...)
	if err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, errOut)
	}
	return out
}

// Try runs openssl with args and stdin and returns its standard output, its
// standard error and the exit error, for tests that expect a refusal.
func Try(t testing.TB, stdin []byte, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	Require(t)
	cmd := exec.Command("openssl", args...)
	cmd.Env = Env(t)
	cmd.Stdin = bytes.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout = &o
	cmd.Stderr = &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}
