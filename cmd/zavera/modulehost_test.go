package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
	"github.com/zavera/zavera/testtoken"
)

// TestMain lets this test binary serve as a module host too: commands
// run in process (zavera doctor, zavera tokens) start their hosts as
// os.Executable() with the hidden command.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == pkcs11.HostCommand {
		os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestServeTokenDriverCrash runs the shipped agent (with the test
// prompter) on the GOST test token and makes the token's driver crash in
// C_Sign: the page gets token_driver_failed, the agent stays up and
// answers, the journal records the failure, zavera doctor shows the
// restart, and once the fault is gone the next signature (a new PIN)
// verifies with OpenSSL.
func TestServeTokenDriverCrash(t *testing.T) {
	rig := startDriverAgent(t, nil)
	a, p, dir, cfgFile, id := rig.a, rig.p, rig.dir, rig.cfgFile, rig.id
	sign, verify := rig.sign, rig.verify
	var certs struct {
		Certificates []struct{ ID string }
	}
	if r, sig := sign([]byte("до сбоя")); r != "" {
		t.Fatalf("sign before the fault: %s", r)
	} else {
		verify([]byte("до сбоя"), sig)
	}

	if err := testtoken.SetControl(dir, "crash_on = C_Sign"); err != nil {
		t.Fatal(err)
	}
	if r, _ := sign([]byte("во время сбоя")); r != "token_driver_failed" {
		t.Fatalf("sign while the driver crashes: %q, want token_driver_failed", r)
	}
	// The agent is up and answers this page and a new one.
	if a.cmd.ProcessState != nil {
		t.Fatal("the agent exited")
	}
	q := openPage(t, a.addr, "https://portal.example")
	q.must("hello", map[string]any{"protocols": []int{1}}, nil)
	q.must("tokens", nil, nil)

	if err := testtoken.SetControl(dir); err != nil {
		t.Fatal(err)
	}
	p.must("certificates", map[string]any{}, &certs)
	if len(certs.Certificates) != 1 || certs.Certificates[0].ID != id {
		t.Fatalf("certificates after the restart: %+v", certs)
	}
	doc := []byte("после перезапуска")
	reason, sig := sign(doc)
	if reason != "" {
		t.Fatalf("sign after the restart: %s\n%s", reason, a.stderrText())
	}
	verify(doc, sig)
	if log := a.stderrText(); !strings.Contains(log, "PKCS#11 module failed") || !strings.Contains(log, "SIGSEGV") {
		t.Fatalf("agent log without the failure:\n%s", log)
	}

	// zavera doctor shows the restart the agent recorded.
	code, out, errOut := runCmd(t, nil, "doctor", "--json", "--config", cfgFile, "--no-discovery")
	if code != 0 && code != 1 {
		t.Fatalf("doctor: %d %s", code, errOut)
	}
	var rep struct {
		ModuleHosts *struct {
			Modules []pkcs11.ModuleHealth `json:"modules"`
		} `json:"module_hosts"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, out)
	}
	if rep.ModuleHosts == nil || len(rep.ModuleHosts.Modules) != 1 || rep.ModuleHosts.Modules[0].Restarts != 1 ||
		rep.ModuleHosts.Modules[0].LastFailure == nil || rep.ModuleHosts.Modules[0].LastFailure.Op != "C_Sign" {
		t.Fatalf("doctor's module hosts: %s", out)
	}
	code, out, _ = runCmd(t, nil, "doctor", "--config", cfgFile, "--no-discovery")
	if !strings.Contains(out, "restarted 1 time") || !strings.Contains(out, "C_Sign") {
		t.Fatalf("doctor text without the restart (%d):\n%s", code, out)
	}

	// The journal holds the failed signature with its reason.
	a.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- a.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the agent did not stop")
	}
	code, out, errOut = runCmd(t, nil, "journal", "--config", cfgFile)
	if code != 0 || !strings.Contains(out, "token_driver_failed") {
		t.Fatalf("journal: %d %q %q", code, out, errOut)
	}
}

// driverAgent is the shipped agent (with the test prompter) on the GOST
// test token, a page connected and approved.
type driverAgent struct {
	a       *runningAgent
	p       *page
	dir     string // GOSTTOKEN_DIR
	cfgFile string
	id      string // the certificate's ID
	key     *provision.GOSTKey
	t       *testing.T
}

func startDriverAgent(t *testing.T, moduleHosts map[string]any) *driverAgent {
	t.Helper()
	bin := agentBinary(t, "zavera_script")
	module := testtoken.ModulePath(t)
	dir := t.TempDir()
	t.Setenv("GOSTTOKEN_DIR", dir)
	if err := provision.GOSTTokenConfig(dir, 5, "one"); err != nil {
		t.Fatal(err)
	}
	if err := provision.InitTokens(module, "Zavera GOST"); err != nil {
		t.Fatal(err)
	}
	key, err := provision.GOST(module, "Zavera GOST", "leader", []byte("k1"), 256, "TCA", dir, osslref.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{"origins": []string{"https://portal.example"}, "modules": []string{module},
		"noModuleDiscovery": true, "stateDir": filepath.Join(dir, "state")}
	if moduleHosts != nil {
		cfg["moduleHosts"] = moduleHosts
	}
	cfgFile := filepath.Join(dir, "config.json")
	b, _ := json.Marshal(cfg)
	os.WriteFile(cfgFile, b, 0o600)
	a := startAgent(t, bin, []string{"ZAVERA_SCRIPT_APPROVE=1", "ZAVERA_SCRIPT_PIN=" + provision.UserPIN, "ZAVERA_PKCS11_MODULES="},
		"--headless", "--port", "0", "--config", cfgFile)
	p := openPage(t, a.addr, "https://portal.example")
	p.must("hello", map[string]any{"protocols": []int{1}}, nil)
	var certs struct {
		Certificates []struct{ ID string }
	}
	p.must("certificates", map[string]any{}, &certs)
	if len(certs.Certificates) != 1 {
		t.Fatalf("certificates: %+v", certs)
	}
	return &driverAgent{a: a, p: p, dir: dir, cfgFile: cfgFile, id: certs.Certificates[0].ID, key: key, t: t}
}

// sign signs doc on the page and returns the error reason or the signature.
func (r *driverAgent) sign(doc []byte) (string, []byte) {
	var sig struct{ Signature []byte }
	reason := r.p.call("sign", map[string]any{"certificate": r.id, "data": doc, "description": "test"}, &sig)
	return reason, sig.Signature
}

// verify checks a signature of doc with OpenSSL.
func (r *driverAgent) verify(doc, sig []byte) {
	r.t.Helper()
	sigFile, docFile := filepath.Join(r.dir, "s.p7s"), filepath.Join(r.dir, "doc")
	os.WriteFile(sigFile, sig, 0o600)
	os.WriteFile(docFile, doc, 0o600)
	osslref.Run(r.t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-content", docFile,
		"-CAfile", r.key.CertPEM, "-purpose", "any", "-out", os.DevNull)
}

// TestServeTokenDriverHang makes the token's driver hang in C_Sign: while
// one page waits for its signature, another page lists the tokens (the
// same driver answers beside the hung call); the signature ends with
// token_driver_failed at the configured deadline, and the next one works.
func TestServeTokenDriverHang(t *testing.T) {
	r := startDriverAgent(t, map[string]any{"slowCallTimeout": "3s"})
	// Signatures before the hang log in and find the key, so that the
	// hung one runs in a signing session of its own, beside the token's
	// session. (A signature that logs in holds its token while it runs,
	// isolated or not: listing that token waits for it.)
	for i := 0; i < 2; i++ {
		doc := []byte(fmt.Sprintf("до зависания %d", i))
		reason, sig := r.sign(doc)
		if reason != "" {
			t.Fatalf("sign before the hang: %s", reason)
		}
		r.verify(doc, sig)
	}
	if err := testtoken.SetControl(r.dir, "hang_on = C_Sign"); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() {
		reason, _ := r.sign([]byte("зависание"))
		done <- reason
	}()
	// Give the signature the time to reach the hung C_Sign (it lasts
	// until the 3 s deadline).
	time.Sleep(500 * time.Millisecond)
	q := openPage(t, r.a.addr, "https://portal.example")
	q.must("hello", map[string]any{"protocols": []int{1}}, nil)
	var toks struct {
		Tokens []struct{ Label string }
	}
	q.must("tokens", nil, &toks)
	var certs struct {
		Certificates []struct{ ID string }
	}
	q.must("certificates", map[string]any{}, &certs)
	select {
	case reason := <-done:
		t.Fatalf("the signature ended (%q) before the other page was served", reason)
	default:
	}
	if len(toks.Tokens) != 1 || len(certs.Certificates) != 1 {
		t.Fatalf("during the hang: tokens %+v, certificates %+v", toks, certs)
	}
	if reason := <-done; reason != "token_driver_failed" {
		t.Fatalf("hung signature: %q, want token_driver_failed", reason)
	}
	if err := testtoken.SetControl(r.dir); err != nil {
		t.Fatal(err)
	}
	doc := []byte("после зависания")
	reason, sig := r.sign(doc)
	if reason != "" {
		t.Fatalf("sign after the hang: %s", reason)
	}
	r.verify(doc, sig)
}
