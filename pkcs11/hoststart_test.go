package pkcs11

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestHostStartIsTriedTwice starts a module's host from a program that
// is not there yet: the first attempt fails, the program appears before
// the second, and the module's token is listed.
func TestHostStartIsTriedTwice(t *testing.T) {
	newSoftHSM(t, "zavera-start")
	checkHostStartIsTriedTwice(t, softHSMPath, "zavera-start")
}

func checkHostStartIsTriedTwice(t *testing.T, module, label string) {
	t.Helper()
	host := filepath.Join(t.TempDir(), "host"+filepath.Ext(os.Args[0]))
	retries := 0
	beforeHostStartRetry = func() {
		retries++
		if err := copyExecutable(os.Args[0], host); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(func() { beforeHostStartRetry = nil })
	iso := testIsolation()
	iso.Command = []string{host}
	m, err := Open(Options{Modules: []string{module}, NoDiscovery: true, NoEnvironment: true, Isolate: iso})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, mod := range m.Modules() {
		if mod.Err != nil {
			t.Fatalf("%s: %v", mod.Path, mod.Err)
		}
	}
	toks, err := m.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tok := range toks {
		found = found || tok.Label == label
	}
	if !found {
		t.Fatalf("token %s not listed: %+v", label, toks)
	}
	if retries != 1 {
		t.Fatalf("second attempts: %d, want 1", retries)
	}
}

func copyExecutable(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
