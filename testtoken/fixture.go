package testtoken

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// ModulePath returns the path of build/libgosttoken.so at the top of the
// module, for tests that load the test token. It fails t when the module
// has not been built: `make test` builds it first.
func ModulePath(t testing.TB) string {
	t.Helper()
	path := filepath.Join(osslref.Root(t), "build", "libgosttoken.so")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the GOST test token is missing (%v): run make testtoken", err)
	}
	return path
}

// NewStorage makes a storage directory under t.TempDir() with the given
// slots (none: the module's single default slot) and returns it; point
// GOSTTOKEN_DIR at it (t.Setenv) before C_Initialize.
func NewStorage(t testing.TB, slots ...string) string {
	t.Helper()
	dir := t.TempDir()
	var conf strings.Builder
	for _, s := range slots {
		fmt.Fprintf(&conf, "slot %s\n", s)
	}
	if err := os.WriteFile(filepath.Join(dir, "gosttoken.conf"), []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// SetControl replaces the control file of a storage directory with the
// given lines (see the package documentation), through a rename so that
// a module holding the directory open sees the change on its next call.
func SetControl(dir string, lines ...string) error {
	tmp := filepath.Join(dir, "control.tmp")
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "control"))
}
