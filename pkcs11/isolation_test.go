package pkcs11

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// hostEnvVar makes the test binary a module host (see TestMain), so that
// the tests run the real host loop in a real child process.
const hostEnvVar = "ZAVERA_TEST_PKCS11_HOST"

func TestMain(m *testing.M) {
	if os.Getenv(hostEnvVar) == "1" {
		if err := ServeHostStdio(os.Args[len(os.Args)-1]); err != nil {
			fmt.Fprintln(os.Stderr, "pkcs11 host:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// inProcessEnvVar makes testIsolation load modules in process, as before
// isolation, for TestInProcessModuleCrashEndsTheProcess.
const inProcessEnvVar = "ZAVERA_TEST_PKCS11_IN_PROCESS"

// testIsolation runs module hosts as children of the test binary, with
// short deadlines.
func testIsolation() *Isolation {
	if os.Getenv(inProcessEnvVar) == "1" {
		return nil
	}
	return &Isolation{
		Command:         []string{os.Args[0]},
		Env:             []string{hostEnvVar + "=1"},
		CallTimeout:     5 * time.Second,
		SlowCallTimeout: 3 * time.Second,
	}
}

// isoRig is the GOST test token (two tokens) and SoftHSM (one ECDSA
// key), both isolated, in one Manager.
type isoRig struct {
	e        *gostEnv
	m        *Manager
	soft     *softKey
	gostKey  *Key
	softSig  *Key
	gostPINs int
	softPINs int
	dir      string
}

func newIsoRig(t *testing.T, iso *Isolation) *isoRig {
	t.Helper()
	h := newSoftHSM(t, "zavera-iso")
	r := &isoRig{soft: h.importECDSA(t, "ec", []byte{7}), e: newGOSTEnv(t, 10), dir: t.TempDir()}
	m, err := Open(Options{Modules: []string{r.e.module, softHSMPath}, NoDiscovery: true, NoEnvironment: true, Isolate: iso})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	for _, mod := range m.Modules() {
		if mod.Err != nil {
			t.Fatal(mod.Err)
		}
	}
	r.m = m
	r.gostKey = r.e.signer(t, m, r.e.k256, &r.gostPINs)
	if r.softSig, err = m.Signer(CertificateID(r.soft.der), fixedPIN(testUserPIN, &r.softPINs)); err != nil {
		t.Fatal(err)
	}
	r.signGOST(t, "first")
	r.signSoft(t, "first")
	return r
}

func (r *isoRig) signGOST(t *testing.T, what string) {
	t.Helper()
	content := []byte("ГОСТ: " + what)
	sig, err := signCMS(r.gostKey, string(content))
	if err != nil {
		t.Fatalf("GOST signature (%s): %v", what, err)
	}
	verifyWithOpenSSL(t, r.dir, sig, content, r.e.k256.CertPEM)
}

func (r *isoRig) signSoft(t *testing.T, what string) {
	t.Helper()
	content := []byte("SoftHSM: " + what)
	sig, err := signCMS(r.softSig, string(content))
	if err != nil {
		t.Fatalf("SoftHSM signature (%s): %v", what, err)
	}
	verifyWithOpenSSL(t, r.dir, sig, content, r.soft.pem)
}

func (r *isoRig) health(t *testing.T, path string) ModuleHealth {
	t.Helper()
	for _, h := range r.m.Health() {
		if h.Path == path {
			return h
		}
	}
	t.Fatalf("no health for %s in %+v", path, r.m.Health())
	return ModuleHealth{}
}

// TestIsolatedModuleFaults takes the GOST test token down in each way a
// driver fails, in a real host process: the signature gets
// ErrModuleFailed, SoftHSM (another module) keeps signing meanwhile
// without a new login, and after the fault is gone the GOST token's
// certificates are listed again and the next signature (after a new
// PIN) verifies with OpenSSL.
func TestIsolatedModuleFaults(t *testing.T) {
	for _, tc := range []struct {
		control, reason string
	}{
		{"crash_on = C_Sign", "SIGSEGV"},
		{"abort_on = C_Sign", "SIGABRT"},
		{"hang_on = C_Sign", "no answer within"},
		{"crash_on = C_FindObjectsInit", "SIGSEGV"},
	} {
		t.Run(strings.Fields(tc.control)[0]+"_"+strings.Fields(tc.control)[2], func(t *testing.T) {
			var failures atomic.Int32
			iso := testIsolation()
			if iso != nil {
				iso.OnFailure = func(ModuleFailure) { failures.Add(1) }
			}
			r := newIsoRig(t, iso)
			before := r.health(t, r.e.module)
			if iso != nil && (!before.Isolated || before.PID == 0 || before.PID == os.Getpid() || before.Restarts != 0) {
				t.Fatalf("health before the fault: %+v", before)
			}
			if strings.HasSuffix(tc.control, "C_FindObjectsInit") {
				// A fresh session makes the next signature look for the key.
				r.m.Logout(certTokenID(t, r.m, r.e.k256.CertDER))
			}
			r.e.control(t, tc.control)

			done := make(chan error, 1)
			go func() {
				_, err := signCMS(r.gostKey, "во время сбоя")
				done <- err
			}()
			// The other module answers while the GOST host fails (a hung
			// call lasts until its deadline).
			r.signSoft(t, "during the fault")
			if strings.HasPrefix(tc.control, "hang_on") {
				// The hung host still reads: calls beside the hung one
				// are answered (given the time to reach C_Sign).
				time.Sleep(300 * time.Millisecond)
				toks, err := r.m.Tokens()
				gost := 0
				for _, tok := range toks {
					if tok.Module == r.e.module {
						gost++
					}
				}
				if err != nil || gost != 2 {
					t.Fatalf("tokens during the hang: %d of the GOST module, %v", gost, err)
				}
				select {
				case err := <-done:
					t.Fatalf("the hung signature ended early: %v", err)
				default:
				}
			}
			err := <-done
			var mf *ModuleFailure
			if !errors.Is(err, ErrModuleFailed) || !errors.As(err, &mf) {
				t.Fatalf("signature during the fault: %v, want ErrModuleFailed", err)
			}
			if mf.Module != r.e.module || !strings.Contains(mf.Reason, tc.reason) {
				t.Fatalf("failure %+v, want reason with %q", mf, tc.reason)
			}

			r.e.control(t, "")
			certs, err := r.m.Certificates()
			if err != nil {
				t.Fatalf("certificates after the restart: %v", err)
			}
			gostCerts := 0
			for _, c := range certs {
				if c.Token.Module == r.e.module {
					gostCerts++
				}
			}
			if gostCerts != 3 {
				t.Fatalf("%d GOST certificates after the restart, want 3", gostCerts)
			}
			pins := r.gostPINs
			r.signGOST(t, "after the restart")
			if r.gostPINs != pins+1 {
				t.Fatalf("PIN asked %d times after the restart, want once (the login died with the host)", r.gostPINs-pins)
			}
			r.signSoft(t, "after the restart")
			if r.softPINs != 1 {
				t.Fatalf("SoftHSM asked for its PIN %d times: its host was touched", r.softPINs)
			}
			after := r.health(t, r.e.module)
			if after.Restarts != 1 || after.LastFailure == nil || after.PID == before.PID || after.PID == 0 {
				t.Fatalf("health after the restart: %+v (before %+v)", after, before)
			}
			if soft := r.health(t, softHSMPath); soft.Restarts != 0 || soft.LastFailure != nil {
				t.Fatalf("SoftHSM's host: %+v", soft)
			}
			if failures.Load() != 1 {
				t.Fatalf("OnFailure called %d times, want 1", failures.Load())
			}
		})
	}
}

// TestIsolatedModuleLeakRestartsHost makes the GOST test token leak on
// every call: once its host passes the memory limit it is restarted
// between calls, and signing goes on.
func TestIsolatedModuleLeakRestartsHost(t *testing.T) {
	iso := testIsolation()
	iso.MaxRSS = 96 << 20
	iso.CheckInterval = time.Millisecond
	r := newIsoRig(t, iso)
	r.e.control(t, "leak_per_call = 4194304")
	var h ModuleHealth
	for i := 0; i < 200; i++ {
		if _, err := r.m.Tokens(); err != nil && !errors.Is(err, ErrModuleFailed) {
			t.Fatal(err)
		}
		if h = r.health(t, r.e.module); h.Restarts > 0 {
			break
		}
	}
	if h.Restarts == 0 || h.LastFailure == nil || !strings.Contains(h.LastFailure.Reason, "memory limit") {
		t.Fatalf("no restart for the leak: %+v", h)
	}
	r.e.control(t, "")
	r.signGOST(t, "after the leak")
	r.signSoft(t, "after the leak")
}

// TestInProcessModuleCrashEndsTheProcess runs the crash case of
// TestIsolatedModuleFaults with the module loaded in process, in a child
// test process: the crash takes the whole process down, which is what
// isolation prevents.
func TestInProcessModuleCrashEndsTheProcess(t *testing.T) {
	if os.Getenv(inProcessEnvVar) == "1" {
		t.Skip("the child's own run")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestIsolatedModuleFaults$/^crash_on_C_Sign$", "-test.count=1")
	cmd.Env = append(os.Environ(), inProcessEnvVar+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("the in-process run did not die: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("SIGSEGV")) || bytes.Contains(out, []byte("--- FAIL")) || bytes.Contains(out, []byte("PASS")) {
		t.Fatalf("the in-process run did not end in the module's SIGSEGV:\n%s", out)
	}
}

// TestIsolatedModuleThatDoesNotLoad names a file that is no module: the
// host says why on its way out, and the module is listed as not loaded
// with that reason, as in process.
func TestIsolatedModuleThatDoesNotLoad(t *testing.T) {
	path := t.TempDir() + "/libnotamodule.so"
	writeFile(t, path, []byte("not an ELF file"))
	m, err := Open(Options{Modules: []string{path}, NoDiscovery: true, NoEnvironment: true, Isolate: testIsolation()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	mods := m.Modules()
	if len(mods) != 1 || !errors.Is(mods[0].Err, ErrModuleLoad) || !strings.Contains(mods[0].Err.Error(), "libnotamodule.so") ||
		!strings.Contains(mods[0].Err.Error(), "exit status 1") {
		t.Fatalf("modules: %+v", mods)
	}
	t.Log(mods[0].Err)
}

// TestIsolatedEventsAfterHostCrash: token events come from
// C_WaitForSlotEvent (the timer is an hour), and still come after the
// module's host crashed and was replaced.
func TestIsolatedEventsAfterHostCrash(t *testing.T) {
	e := newGOSTEnv(t, 10)
	m, err := Open(Options{Modules: []string{e.module}, NoDiscovery: true, NoEnvironment: true,
		PollInterval: time.Hour, Isolate: testIsolation()})
	if err != nil {
		t.Fatal(err)
	}
	ch := m.Events()
	expect := func(kind EventKind, label string) {
		t.Helper()
		deadline := time.After(15 * time.Second)
		for {
			select {
			case ev := <-ch:
				if ev.Kind == kind && ev.Token.Label == label {
					return
				}
			case <-deadline:
				t.Fatalf("no %v event for %q", kind, label)
			}
		}
	}
	expect(TokenInserted, gostToken1)
	expect(TokenInserted, gostToken2)
	toks, err := m.Tokens()
	if err != nil || len(toks) != 2 {
		t.Fatalf("tokens: %v %v", toks, err)
	}
	e.control(t, "crash_on = C_GetSessionInfo")
	if _, err := m.LoginState(toks[0].ID); !errors.Is(err, ErrModuleFailed) {
		t.Fatalf("login state during the crash: %v", err)
	}
	e.control(t, "")
	e.control(t, "two.present = 0")
	expect(TokenRemoved, gostToken2)
	if h := m.Health(); len(h) != 1 || h[0].Restarts != 1 {
		t.Fatalf("health: %+v", h)
	}
	m.Close()
	for range ch {
	}
}
