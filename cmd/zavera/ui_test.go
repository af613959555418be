package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/pkcs11"
)

func TestUIPromptRefusesBadRequests(t *testing.T) {
	for _, in := range []string{"", "not json", `{"kind":"format-disk"}`, `{"kind":"pair","origin":"https://a"}`} {
		code, out, errOut := runCmd(t, strings.NewReader(in), "ui-prompt")
		if code != 1 || out != "" || !strings.Contains(errOut, "malformed") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", in, code, out, errOut)
		}
	}
	if code, out, _ := runCmd(t, nil, "ui-prompt", "--help"); code != 0 || !strings.Contains(out, "standard input") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, _, _ := runCmd(t, nil, "ui", "--nope"); code != 2 {
		t.Errorf("ui with a bad flag: %d", code)
	}
}

func TestServeDesktopNeedsDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	dir := t.TempDir()
	code, _, errOut := runCmd(t, nil, "serve", "--config", filepath.Join(dir, "c.json"), "--key", "k", "--cert", "c")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The key files do not exist: that error comes first. With a real
	// key the missing display is what stops it.
	key, certFile := agentKey(t, dir)
	code, _, errOut = runCmd(t, nil, "serve", "--config", filepath.Join(dir, "c.json"), "--key", key, "--cert", certFile)
	if code != 1 || !strings.Contains(errOut, "no display") || !strings.Contains(errOut, "--headless") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestUpdateConfigFileKeepsOtherMembers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.json")
	if err := updateConfigFile(path, []string{"/a.so"}, 28000); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte(`{"origins":["https://a.example"],"modules":["/old.so"],"port":1,"limits":{"maxBatch":5}}`), 0o600)
	if err := updateConfigFile(path, []string{"/a.so", "/b.so"}, 28000); err != nil {
		t.Fatal(err)
	}
	cfg, err := agent.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Modules, []string{"/a.so", "/b.so"}) || cfg.Port != 28000 ||
		!slices.Equal(cfg.Origins, []string{"https://a.example"}) || cfg.Limits.MaxBatch != 5 {
		t.Fatalf("config after update: %+v", cfg)
	}
	if err := updateConfigFile(path, nil, 0); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	b, _ := os.ReadFile(path)
	json.Unmarshal(b, &doc)
	if _, ok := doc["modules"]; ok {
		t.Errorf("modules left: %s", b)
	}
	if _, ok := doc["port"]; ok {
		t.Errorf("port left: %s", b)
	}
	os.WriteFile(path, []byte(`{"port":`), 0o600)
	if err := updateConfigFile(path, nil, 1); err == nil {
		t.Error("a broken configuration was overwritten")
	}
}

func TestUISettingsAndAutostart(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	cfg := agent.Config{StateDir: filepath.Join(home, "state")}
	if s, err := loadUISettings(cfg); err != nil || s.Language != "" {
		t.Fatalf("no file: %+v %v", s, err)
	}
	if err := saveUISettings(cfg, uiSettingsFile{Language: "ru"}); err != nil {
		t.Fatal(err)
	}
	if s, _ := loadUISettings(cfg); s.Language != "ru" {
		t.Fatalf("language %q", s.Language)
	}
	if uiLanguage(cfg) != "ru" {
		t.Fatal("settings language not used")
	}
	if startsAtLogin() {
		t.Fatal("autostart before it was set")
	}
	if err := setStartAtLogin(true); err != nil {
		t.Fatal(err)
	}
	p, _ := userAutostart()
	b, err := os.ReadFile(p)
	if err != nil || !strings.Contains(string(b), "serve --tls") || !startsAtLogin() {
		t.Fatalf("autostart entry %q: %v", b, err)
	}
	if err := setStartAtLogin(false); err != nil || startsAtLogin() {
		t.Fatalf("autostart not removed: %v", err)
	}
}

func TestDiagnosisOfDoctorReport(t *testing.T) {
	r := &doctorReport{
		Modules:  []moduleJSON{{Module: pkcs11.Module{Path: "/ok.so", Description: "SoftHSM"}}, {Module: pkcs11.Module{Path: "/bad.so"}, Error: "no such file"}},
		Tokens:   []pkcs11.Token{{Label: "Zavera test", Manufacturer: "SoftHSM project", Model: "SoftHSM v2"}},
		Agent:    doctorAgent{Port: 27413, Answers: true, Protocol: 1},
		Problems: []string{"the local CA is not trusted"},
	}
	r.Certificates = []tokenCertJSON{{holderJSON: holderJSON{Owner: "Иванов", Organization: "ООО", NotAfter: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)}, ValidNow: true,
		Token: pkcs11.Token{Label: "Zavera test"}}}
	d := diagnosisOf(r)
	if len(d.Modules) != 2 || d.Modules[1].Err != "no such file" || d.Modules[0].Err != "" {
		t.Errorf("modules %+v", d.Modules)
	}
	if !d.PortOK || d.Port != 27413 || d.PortDetail != "Zavera, protocol 1" || !d.BrowserOK || d.TLSOK {
		t.Errorf("port and TLS %+v", d)
	}
	if len(d.Certificates) != 1 || d.Certificates[0] != "Иванов, ООО, Zavera test — 2027-01-02" {
		t.Errorf("certificates %q", d.Certificates)
	}
	if len(d.Tokens) != 1 || !strings.Contains(d.Tokens[0], "Zavera test") || len(d.Problems) != 1 {
		t.Errorf("tokens %q problems %q", d.Tokens, d.Problems)
	}
}
