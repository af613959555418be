//go:build windows

package pkcs11

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/streebog"
)

// winIsoRig is the Windows GOST module (testdata/mingw/gostp11.c) in a
// module host started from the test binary, as on Linux, with its faults
// driven through its control file.
type winIsoRig struct {
	m        *Manager
	path     string
	key      *gost.PrivateKey
	control  string
	signer   *Key
	pins     int
	failures atomic.Int32
}

func newWinIsoRig(t *testing.T, rel string, iso *Isolation) *winIsoRig {
	t.Helper()
	r := &winIsoRig{control: filepath.Join(t.TempDir(), "control")}
	var der []byte
	r.path, r.key, der = gostWindowsModule(t, rel)
	t.Setenv("ZAVERA_GOSTP11_CONTROL", r.control)
	if iso != nil {
		iso.OnFailure = func(ModuleFailure) { r.failures.Add(1) }
		// C_Initialize, in which the module seeds its random pool, may
		// take seconds on a busy machine; only the calls a fault is put
		// on keep the short deadlines the tests wait out.
		iso.CallTimeout = 30 * time.Second
	}
	m, err := Open(Options{Modules: []string{r.path}, NoDiscovery: true, NoEnvironment: true, Isolate: iso})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := m.Modules()[0].Err; err != nil {
		t.Fatal(err)
	}
	r.m = m
	certs, err := m.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 1 || string(certs[0].Cert.Raw) != string(der) {
		t.Fatalf("certificates %+v", certs)
	}
	r.signer, err = m.Signer(certs[0].ID, func(PINRequest) ([]byte, error) { r.pins++; return []byte("1234"), nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := r.sign("first"); err != nil {
		t.Fatal(err)
	}
	return r
}

// setControl replaces the module's control file (a rename, so the module
// never reads half a file).
func (r *winIsoRig) setControl(t *testing.T, text string) {
	t.Helper()
	tmp := r.control + ".new"
	if err := os.WriteFile(tmp, []byte(text+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, r.control); err != nil {
		t.Fatal(err)
	}
}

// sign signs the Streebog hash of msg through the module and checks the
// signature with the gost package.
func (r *winIsoRig) sign(msg string) error {
	h := streebog.Sum256([]byte(msg))
	sig, err := r.signer.Sign(nil, h[:], nil)
	if err != nil {
		return err
	}
	if err := r.key.PublicKey().Verify(h[:], sig); err != nil {
		return errors.New("the module's signature does not verify: " + err.Error())
	}
	return nil
}

func (r *winIsoRig) health(t *testing.T) ModuleHealth {
	t.Helper()
	h := r.m.Health()
	if len(h) != 1 {
		t.Fatalf("health %+v", h)
	}
	return h[0]
}

// TestIsolatedWindowsModuleFaults takes the Windows GOST module down in
// each way a driver fails, in a real host process under Windows: the
// signature fails with ErrModuleFailed naming C_Sign and why (the
// exception, abort's exit status, the deadline), OnFailure is told, and
// once the fault is gone the next signature, after a new PIN, verifies.
func TestIsolatedWindowsModuleFaults(t *testing.T) {
	for _, tc := range []struct {
		name, control, reason string
	}{
		{"crash", "crash_on = C_Sign", "access violation"},
		{"abort", "abort_on = C_Sign", "exit status 3"},
		{"hang", "hang_on = C_Sign", "no answer within 2s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iso := testIsolation() // nil in TestInProcessWindowsModuleCrashEndsTheProcess's child
			if iso != nil {
				iso.SlowCallTimeout = 2 * time.Second
			}
			r := newWinIsoRig(t, `Токен\изоляция\`+tc.name, iso)
			before := r.health(t)
			if iso != nil && (!before.Isolated || before.PID == 0 || before.PID == os.Getpid() || before.Restarts != 0) {
				t.Fatalf("health before the fault: %+v", before)
			}

			r.setControl(t, tc.control)
			err := r.sign("во время сбоя")
			var mf *ModuleFailure
			if !errors.Is(err, ErrModuleFailed) || !errors.As(err, &mf) {
				t.Fatalf("signature during the fault: %v, want ErrModuleFailed", err)
			}
			if mf.Module != r.path || mf.Op != "C_Sign" || !strings.Contains(mf.Reason, tc.reason) {
				t.Fatalf("failure %+v, want C_Sign and a reason with %q", mf, tc.reason)
			}
			t.Log(err)

			r.setControl(t, "")
			if err := r.sign("после перезапуска"); err != nil {
				t.Fatalf("signature after the restart: %v", err)
			}
			if r.pins != 2 {
				t.Fatalf("PIN asked %d times, want twice (the login died with the host)", r.pins)
			}
			after := r.health(t)
			if after.Restarts != 1 || after.LastFailure == nil || after.LastFailure.Op != "C_Sign" ||
				after.PID == before.PID || after.PID == 0 {
				t.Fatalf("health after the restart: %+v (before %+v)", after, before)
			}
			if n := r.failures.Load(); n != 1 {
				t.Fatalf("OnFailure called %d times, want 1", n)
			}
		})
	}
}

// TestIsolatedWindowsModuleLeakRestartsHost makes the Windows GOST module
// leak on every C_GetSlotList: once its host's working set passes the
// memory limit the host is restarted between calls, and signing goes on.
func TestIsolatedWindowsModuleLeakRestartsHost(t *testing.T) {
	iso := testIsolation()
	if iso == nil {
		t.Skip("TestInProcessWindowsModuleCrashEndsTheProcess's child")
	}
	iso.MaxRSS = 160 << 20
	iso.CheckInterval = time.Millisecond
	r := newWinIsoRig(t, `Токен\изоляция\утечка`, iso)
	rss, handles, ok := processUsage(r.health(t).PID)
	if !ok || rss <= 0 || rss >= iso.MaxRSS {
		t.Fatalf("the host's usage before the leak: %d bytes, %d handles, %v", rss, handles, ok)
	}
	t.Logf("the host before the leak: %d MiB, %d handles", rss>>20, handles)
	r.setControl(t, "leak_on = C_GetSlotList\nleak_bytes = 4194304")
	var h ModuleHealth
	for i := 0; i < 200; i++ {
		if _, err := r.m.Tokens(); err != nil && !errors.Is(err, ErrModuleFailed) {
			t.Fatal(err)
		}
		if h = r.health(t); h.Restarts > 0 {
			break
		}
	}
	if h.Restarts == 0 || h.LastFailure == nil || !strings.Contains(h.LastFailure.Reason, "memory limit") {
		t.Fatalf("no restart for the leak: %+v", h)
	}
	t.Log(h.LastFailure.Reason)
	if n := r.failures.Load(); n != 1 {
		t.Fatalf("OnFailure called %d times, want 1", n)
	}
	r.setControl(t, "")
	if err := r.sign("после утечки"); err != nil {
		t.Fatalf("signature after the leak: %v", err)
	}
}

// TestInProcessWindowsModuleCrashEndsTheProcess runs the crash case of
// TestIsolatedWindowsModuleFaults with the module loaded in process, in a
// child test process: the access violation takes the whole process down,
// which is what isolation prevents.
func TestInProcessWindowsModuleCrashEndsTheProcess(t *testing.T) {
	if os.Getenv(inProcessEnvVar) == "1" {
		t.Skip("the child's own run")
	}
	winTestDLL(t, "x64")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestIsolatedWindowsModuleFaults$/^crash$", "-test.count=1")
	cmd.Env = append(os.Environ(), inProcessEnvVar+"=1")
	// No output is kept: under Wine the handles of a process ended by an
	// exception stay open for a while after it is reaped, so a pipe
	// would not end at once. Its exit status tells how it ended.
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(exitException(err), "access violation") {
		t.Fatalf("the in-process run did not die of the module's access violation: %v", err)
	}
	t.Logf("the in-process run: %v", err)
}

// A host whose channel ends while the Windows module hangs in a call
// ends all the same (hostend_test.go).
func TestHostEndsWhenTheChannelEndsDuringAHungWindowsCall(t *testing.T) {
	path, _, _ := gostWindowsModule(t, "Токен завис")
	control := filepath.Join(t.TempDir(), "control")
	if err := os.WriteFile(control, []byte("hang_on = C_GetSlotList\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZAVERA_GOSTP11_CONTROL", control)
	hostWithHungCall(t, path)
}
