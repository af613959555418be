package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/agent/localtls"
	"github.com/zavera/zavera/pkcs11"
)

// doctorJSON is the part of the doctor's report the tests read.
type doctorJSON struct {
	Config struct {
		Path    string
		Exists  bool
		InForce *struct{ Port int } `json:"in_force"`
	}
	Modules      []struct{ Path, Description, Error string }
	Tokens       []struct{ Label string }
	Certificates []struct {
		ID       string
		Owner    string
		ValidNow bool   `json:"valid_now"`
		KeyAlg   string `json:"key_algorithm"`
	}
	Agent struct {
		Port        int
		Answers     bool
		Protocol    int
		WSSVerified bool `json:"wss_verified"`
	}
	LocalTLS struct {
		Present       bool
		Dir           string
		ValidNow      bool `json:"valid_now"`
		TrustedSystem bool `json:"trusted_by_system"`
		NSS           []struct {
			Dir, Browser string
			Trusted      bool
		} `json:"nss_databases"`
	} `json:"local_tls"`
	Installation struct {
		Autostart []string
		Policies  []struct {
			Browser string
			URLs    []string
		} `json:"browser_policies"`
		NativeHosts []struct {
			Browser, File, Program, Error string
		} `json:"native_messaging_hosts"`
	}
	Problems []string
}

func runDoctorJSON(t *testing.T, args ...string) (int, doctorJSON) {
	t.Helper()
	code, out, errOut := runCmd(t, nil, append([]string{"doctor", "--json"}, args...)...)
	var r doctorJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("exit %d, %v:\n%s\n%s", code, err, out, errOut)
	}
	return code, r
}

func hasProblem(r doctorJSON, part string) bool {
	for _, p := range r.Problems {
		if strings.Contains(p, part) {
			return true
		}
	}
	return false
}

// The doctor on a real agent with SoftHSM and the GOST test token: every
// module, token and certificate, the port answering over ws and wss, and
// the local CA's trust before and after 'zavera install'.
func TestDoctorReportsEverything(t *testing.T) {
	t.Setenv("LC_ALL", "C") // the problems are checked in English
	l := newTokenLab(t, 10)
	bin := agentBinary(t, "zavera_script")
	dir := t.TempDir()
	keyFile, certFile := agentKey(t, dir)
	cfgFile := filepath.Join(dir, "config.json")
	os.WriteFile(cfgFile, []byte(`{"origins": ["https://portal.example"]}`), 0o600)
	a := startAgent(t, bin, []string{"ZAVERA_SCRIPT_APPROVE=1"},
		"--headless", "--port", "0", "--config", cfgFile, "--key", keyFile, "--cert", certFile, "--tls")
	_, port, _ := strings.Cut(a.addr, ":")
	home, root := t.TempDir(), t.TempDir()
	profile := filepath.Join(home, ".mozilla", "firefox", "p1.default")
	os.MkdirAll(profile, 0o700)
	if out, err := exec.Command("certutil", "-N", "-d", "sql:"+profile, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil: %v %s", err, out)
	}
	missing := filepath.Join(dir, "libmissing.so")
	args := append(l.modules(), "--module", missing, "--config", cfgFile, "--port", port, "--home", home, "--root", root)

	code, r := runDoctorJSON(t, args...)
	if code != 1 {
		t.Errorf("exit %d with problems %q", code, r.Problems)
	}
	if r.Config.Path != cfgFile || !r.Config.Exists {
		t.Errorf("configuration %+v", r.Config)
	}
	loaded, failed := 0, 0
	for _, m := range r.Modules {
		if m.Error != "" {
			failed++
			if m.Path != missing {
				t.Errorf("module %s failed: %s", m.Path, m.Error)
			}
		} else {
			loaded++
		}
	}
	if loaded != 2 || failed != 1 || !hasProblem(r, "libmissing.so failed to load") {
		t.Errorf("modules: %d loaded, %d failed: %+v", loaded, failed, r.Modules)
	}
	labels := map[string]bool{}
	for _, tk := range r.Tokens {
		labels[tk.Label] = true
	}
	if !labels[labSoftToken] || !labels[labGOSTToken] {
		t.Errorf("tokens %+v", r.Tokens)
	}
	want := map[string]bool{}
	for _, der := range [][]byte{l.ec.CertDER, l.rsa.CertDER, l.g256.CertDER, l.g512.CertDER} {
		want[pkcs11.CertificateID(der)] = true
	}
	for _, c := range r.Certificates {
		if !c.ValidNow {
			t.Errorf("certificate %s not valid now", c.ID)
		}
		delete(want, c.ID)
	}
	if len(want) != 0 {
		t.Errorf("certificates missing: %v (got %+v)", want, r.Certificates)
	}
	p, _ := strconv.Atoi(port)
	if !r.Agent.Answers || r.Agent.Port != p || r.Agent.Protocol < 1 || !r.Agent.WSSVerified {
		t.Errorf("agent %+v", r.Agent)
	}
	if !r.LocalTLS.Present || r.LocalTLS.Dir != filepath.Join(dir, "tls") || !r.LocalTLS.ValidNow {
		t.Errorf("local TLS %+v", r.LocalTLS)
	}
	if r.LocalTLS.TrustedSystem || !hasProblem(r, "system trust store") {
		t.Errorf("the empty root's trust store trusts the CA: %+v", r.Problems)
	}
	if len(r.LocalTLS.NSS) != 1 || r.LocalTLS.NSS[0].Trusted || !hasProblem(r, profile) {
		t.Errorf("NSS before install: %+v", r.LocalTLS.NSS)
	}
	if len(r.Installation.Autostart) != 0 || !hasProblem(r, "nothing starts the agent at login") {
		t.Errorf("autostart before install: %+v", r.Installation)
	}

	// Install for the user: both NSS databases now trust the CA.
	if code, out, errOut := runCmd(t, nil, "install", "--home", home, "--root", root, "--config", cfgFile, "--exe", bin); code != 0 {
		t.Fatalf("install: %d %s %s", code, out, errOut)
	}
	_, r = runDoctorJSON(t, args...)
	trusted := 0
	for _, db := range r.LocalTLS.NSS {
		if db.Trusted {
			trusted++
		}
	}
	if len(r.LocalTLS.NSS) != 2 || trusted != 2 {
		t.Errorf("NSS after install: %+v", r.LocalTLS.NSS)
	}
	if a := r.Installation.Autostart; len(a) != 1 || a[0] != filepath.Join(home, ".config", "autostart", "zavera.desktop") ||
		hasProblem(r, "at login") {
		t.Errorf("autostart after install: %+v", r.Installation)
	}
	// The text report says the same.
	code, out, _ := runCmd(t, nil, append([]string{"doctor"}, args...)...)
	for _, s := range []string{"Modules:", labGOSTToken, "Zavera answers (protocol", "answers with the local certificate",
		"Local TLS certificate in " + filepath.Join(dir, "tls"), "Problems:", "libmissing.so"} {
		if !strings.Contains(out, s) {
			t.Errorf("text report lacks %q (exit %d):\n%s", s, code, out)
		}
	}

	if code, _, errOut := runCmd(t, nil, "uninstall", "--home", home, "--root", root, "--config", cfgFile); code != 0 {
		t.Fatalf("uninstall: %s", errOut)
	}
	_, r = runDoctorJSON(t, args...)
	for _, db := range r.LocalTLS.NSS {
		if db.Trusted {
			t.Errorf("%s still trusts the CA after uninstall", db.Dir)
		}
	}
	if r.LocalTLS.Present {
		t.Error("uninstall left the local certificate")
	}
}

// Nothing listening, an expired local certificate, no module: each is a
// problem, and the exit status says so.
func TestDoctorFindsProblems(t *testing.T) {
	t.Setenv("LC_ALL", "C") // the problems are checked in English
	t.Setenv("ZAVERA_PKCS11_MODULES", "")
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config.json")
	if _, err := localtls.Generate(filepath.Join(dir, "tls"), time.Now().Add(-3*365*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	code, r := runDoctorJSON(t, "--no-discovery", "--config", cfgFile, "--port", "1", "--home", dir, "--root", dir)
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	if r.Config.Exists || r.Config.InForce == nil {
		t.Errorf("absent configuration: %+v", r.Config)
	}
	if r.Agent.Answers || !hasProblem(r, "does not answer on port 1") {
		t.Errorf("agent %+v, problems %q", r.Agent, r.Problems)
	}
	if !r.LocalTLS.Present || r.LocalTLS.ValidNow || !hasProblem(r, "not valid now") {
		t.Errorf("expired certificate: %+v %q", r.LocalTLS, r.Problems)
	}
	if !hasProblem(r, "no PKCS#11 module") || !hasProblem(r, "no token") {
		t.Errorf("problems %q", r.Problems)
	}

	os.WriteFile(cfgFile, []byte(`{"port": 70000}`), 0o600)
	if _, r := runDoctorJSON(t, "--no-discovery", "--config", cfgFile, "--home", dir, "--root", dir); !hasProblem(r, "configuration cannot be used") {
		t.Errorf("bad configuration: %q", r.Problems)
	}
}

// In a Russian locale the doctor reports its problems in Russian.
func TestDoctorSpeaksRussian(t *testing.T) {
	t.Setenv("LC_ALL", "ru_RU.UTF-8")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.json")
	os.WriteFile(cfg, []byte(`{"modules": ["/nonexistent/libnothing.so"], "noModuleDiscovery": true}`), 0o600)
	_, out, _ := runCmd(t, nil, "doctor", "--json", "--config", cfg, "--home", dir, "--root", dir)
	if !strings.Contains(out, "не загрузился") {
		t.Fatalf("no Russian problem in %s", out)
	}
}

func TestDoctorUsage(t *testing.T) {
	for _, args := range [][]string{{"doctor", "x"}, {"doctor", "--port", "70000"}, {"doctor", "--bogus"}} {
		if code, _, errOut := runCmd(t, nil, args...); code != 2 || !strings.Contains(errOut, "Usage: zavera doctor") {
			t.Errorf("%v: %d %q", args, code, errOut)
		}
	}
	if code, out, _ := runCmd(t, nil, "doctor", "-h"); code != 0 || !strings.Contains(out, "support line") {
		t.Errorf("-h: %d", code)
	}
}
