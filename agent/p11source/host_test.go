package p11source_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

// hostEnvVar makes the test binary a module host, so that tests can load
// the GOST test token in a host process as the agent does.
const hostEnvVar = "ZAVERA_TEST_P11SOURCE_HOST"

func TestMain(m *testing.M) {
	if os.Getenv(hostEnvVar) == "1" {
		if err := pkcs11.ServeHostStdio(os.Args[len(os.Args)-1]); err != nil {
			fmt.Fprintln(os.Stderr, "pkcs11 host:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// openHosted opens both modules, each in a module host process, in a
// Manager closed when the test ends.
func (tk *tokens) openHosted(t *testing.T) *pkcs11.Manager {
	t.Helper()
	m, err := pkcs11.Open(pkcs11.Options{Modules: []string{provision.SoftHSMModule, tk.gostMod},
		NoDiscovery: true, NoEnvironment: true, PollInterval: 50 * time.Millisecond,
		Isolate: &pkcs11.Isolation{Command: []string{os.Args[0]}, Env: []string{hostEnvVar + "=1"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	for _, mod := range m.Modules() {
		if mod.Err != nil {
			t.Fatalf("module %s: %v", mod.Path, mod.Err)
		}
	}
	return m
}
