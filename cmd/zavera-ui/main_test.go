package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/ui"
)

func runCmd(t *testing.T, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	code = dispatch(args, stdin, &o, &e)
	return code, o.String(), e.String()
}

func TestPromptRefusesBadRequests(t *testing.T) {
	for _, in := range []string{"", "not json", `{"kind":"format-disk"}`, `{"kind":"pair","origin":"https://a"}`} {
		code, out, errOut := runCmd(t, strings.NewReader(in), "prompt")
		if code != 1 || out != "" || !strings.Contains(errOut, "malformed") || !strings.HasPrefix(errOut, "zavera-ui prompt: ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", in, code, out, errOut)
		}
	}
	if code, out, _ := runCmd(t, nil, "prompt", "--help"); code != 0 || !strings.Contains(out, "standard input") ||
		!strings.Contains(out, "Usage: zavera-ui prompt") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, nil, "prompt", "--hold", "soon"); code != 2 || !strings.Contains(errOut, "Usage: zavera-ui prompt") {
		t.Errorf("bad --hold: %d %q", code, errOut)
	}
}

func TestUsage(t *testing.T) {
	if code, _, _ := runCmd(t, nil, "main", "--nope"); code != 2 {
		t.Errorf("main with a bad flag: %d", code)
	}
	if code, _, errOut := runCmd(t, nil, "main", "extra"); code != 2 || !strings.Contains(errOut, "unexpected argument") {
		t.Errorf("main with an argument: %d %q", code, errOut)
	}
	if code, out, _ := runCmd(t, nil, "main", "--help"); code != 0 || !strings.Contains(out, "Usage: zavera ui [--config FILE] [--tab NAME]") {
		t.Errorf("main --help: %d %q", code, out)
	}
	if code, out, _ := runCmd(t, nil); code != 2 || !strings.Contains(out, "prompt") || !strings.Contains(out, "main") {
		t.Errorf("no command: %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, nil, "ui-prompt"); code != 2 || !strings.Contains(errOut, `unknown command "ui-prompt"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, out, _ := runCmd(t, nil, "--help"); code != 0 || !strings.Contains(out, "zavera-ui COMMAND") {
		t.Errorf("--help: %d %q", code, out)
	}
}

// The diagnostics page reads the JSON `zavera doctor --json` writes.
func TestDiagnosisOfDoctorReport(t *testing.T) {
	const doc = `{
	  "modules": [{"path": "/ok.so", "description": "SoftHSM"}, {"path": "/bad.so", "error": "no such file"}],
	  "tokens": [{"label": "Zavera test", "manufacturer": "SoftHSM project", "model": "SoftHSM v2"}],
	  "certificates": [{"id": "c1", "owner": "Иванов", "organization": "ООО", "not_after": "2027-01-02T00:00:00Z",
	    "valid_now": true, "token": {"label": "Zavera test"}},
	    {"id": "c2", "owner": "Петров", "organization": "АО", "not_after": "2020-01-02T00:00:00Z",
	    "valid_now": false, "token": {"label": "Zavera test"}}],
	  "agent": {"port": 27413, "answers": true, "protocol": 1, "wss_answers": false, "wss_verified": false},
	  "local_tls": {"present": true, "valid_now": true, "trusted_by_system": false, "ca_file": "/s/tls/ca.pem",
	    "not_after": "2028-03-04T00:00:00Z"},
	  "problems": ["the local CA is not trusted"]
	}`
	var r doctorReport
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		t.Fatal(err)
	}
	d := diagnosisOf(&r)
	if len(d.Modules) != 2 || d.Modules[1].Err != "no such file" || d.Modules[0].Err != "" || d.Modules[0].Description != "SoftHSM" {
		t.Errorf("modules %+v", d.Modules)
	}
	if !d.PortOK || d.Port != 27413 || d.PortDetail != "Zavera, protocol 1" || d.TLSOK {
		t.Errorf("port and TLS %+v", d)
	}
	// A local certificate that wss:// does not present: pages cannot
	// use wss://.
	if d.BrowserOK || d.BrowserInfo != "ws://" || d.TLSDetail != "/s/tls/ca.pem, 2028-03-04" {
		t.Errorf("browser %v %q, TLS %q", d.BrowserOK, d.BrowserInfo, d.TLSDetail)
	}
	if len(d.Certificates) != 2 || d.Certificates[0] != "Иванов, ООО, Zavera test — 2027-01-02" ||
		d.Certificates[1] != "Петров, АО, Zavera test — 2020-01-02 (!)" {
		t.Errorf("certificates %q", d.Certificates)
	}
	if len(d.Tokens) != 1 || d.Tokens[0] != "Zavera test — SoftHSM project SoftHSM v2" || len(d.Problems) != 1 {
		t.Errorf("tokens %q problems %q", d.Tokens, d.Problems)
	}
}

// buildAgent builds the zavera command into dir.
func buildAgent(t *testing.T, dir string) string {
	t.Helper()
	exe := filepath.Join(dir, "zavera")
	cmd := exec.Command("go", "build", "-o", exe, "./cmd/zavera")
	cmd.Dir = osslref.Root(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/zavera: %v\n%s", err, out)
	}
	return exe
}

// The page runs the real doctor and shows what it found.
func TestDiagnoseRunsTheDoctor(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("LC_ALL", "C")
	t.Setenv("ZAVERA_PKCS11_MODULES", "")
	exe := buildAgent(t, dir)
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(`{"port": 1, "modules": ["/nonexistent/libnothing.so"], "noModuleDiscovery": true}`), 0o600)
	d := diagnose(exe, cfg)
	if d.Port != 1 || d.PortOK || !strings.Contains(d.PortDetail, "refused") {
		t.Errorf("port %d %v %q", d.Port, d.PortOK, d.PortDetail)
	}
	if len(d.Modules) != 1 || d.Modules[0].Path != "/nonexistent/libnothing.so" || d.Modules[0].Err == "" {
		t.Errorf("modules %+v", d.Modules)
	}
	if d.TLSOK || !strings.Contains(d.TLSDetail, "none in") {
		t.Errorf("TLS %v %q", d.TLSOK, d.TLSDetail)
	}
	if !strings.Contains(strings.Join(d.Problems, "\n"), "does not answer on port 1") {
		t.Errorf("problems %q", d.Problems)
	}
	// A program that is not the doctor is reported, not shown as empty.
	d = diagnose("/bin/false", cfg)
	if len(d.Problems) != 1 || !strings.HasPrefix(d.Problems[0], "zavera doctor: ") {
		t.Errorf("not a doctor: %q", d.Problems)
	}
}

// The settings page writes the configuration, the window settings and
// an autostart entry that starts the agent, not this program.
func TestSaveSettings(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	bin := filepath.Join(t.TempDir(), "zavera")
	os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755)
	t.Setenv("PATH", filepath.Dir(bin))
	cfgPath := filepath.Join(home, "config.json")
	cfg := agent.Config{StateDir: filepath.Join(home, "state")}
	b := &mainBackend{cfgPath: cfgPath, cfg: cfg}
	if err := b.SaveSettings(ui.Settings{Modules: []string{"/a.so"}, Port: 28000, Language: "en", StartAtLogin: true}); err != nil {
		t.Fatal(err)
	}
	entry, _ := appconf.UserAutostart()
	data, err := os.ReadFile(entry)
	if err != nil || !strings.Contains(string(data), "Exec="+bin+" serve --tls") {
		t.Fatalf("autostart entry %q: %v", data, err)
	}
	s, err := b.Settings()
	if err != nil || !s.StartAtLogin || s.Language != "en" {
		t.Fatalf("settings %+v: %v", s, err)
	}
	if got, err := agent.LoadConfig(cfgPath); err != nil || got.Port != 28000 || len(got.Modules) != 1 {
		t.Fatalf("configuration %+v: %v", got, err)
	}
	if err := b.SaveSettings(ui.Settings{Port: 28000}); err != nil || appconf.StartsAtLogin() {
		t.Fatalf("autostart left: %v", err)
	}
	// Turning it on needs the agent's program.
	t.Setenv("PATH", t.TempDir())
	if err := b.SaveSettings(ui.Settings{StartAtLogin: true}); err == nil || !strings.Contains(err.Error(), "zavera not found") {
		t.Fatalf("without zavera: %v", err)
	}
}
