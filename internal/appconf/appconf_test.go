package appconf

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/zavera/zavera/agent"
)

func TestUpdateConfigFileKeepsOtherMembers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.json")
	if err := UpdateConfigFile(path, []string{"/a.so"}, 28000); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte(`{"origins":["https://a.example"],"modules":["/old.so"],"port":1,"limits":{"maxBatch":5}}`), 0o600)
	if err := UpdateConfigFile(path, []string{"/a.so", "/b.so"}, 28000); err != nil {
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
	if err := UpdateConfigFile(path, nil, 0); err != nil {
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
	if err := UpdateConfigFile(path, nil, 1); err == nil {
		t.Error("a broken configuration was overwritten")
	}
}

func TestUISettingsAndAutostart(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	cfg := agent.Config{StateDir: filepath.Join(home, "state")}
	if s, err := LoadUISettings(cfg); err != nil || s.Language != "" {
		t.Fatalf("no file: %+v %v", s, err)
	}
	if err := SaveUISettings(cfg, UISettings{Language: "ru"}); err != nil {
		t.Fatal(err)
	}
	if s, _ := LoadUISettings(cfg); s.Language != "ru" {
		t.Fatalf("language %q", s.Language)
	}
	if Language(cfg) != "ru" {
		t.Fatal("settings language not used")
	}
	os.WriteFile(UISettingsPath(cfg), []byte("{"), 0o600)
	if _, err := LoadUISettings(cfg); err == nil || !strings.Contains(err.Error(), "ui.json") {
		t.Fatalf("broken settings: %v", err)
	}
	if runtime.GOOS == "windows" {
		return // the Run key instead of an XDG entry: TestRunKey
	}
	if StartsAtLogin() {
		t.Fatal("autostart before it was set")
	}
	agentExe := filepath.Join(home, "bin", "zavera")
	if err := SetStartAtLogin(agentExe, true); err != nil {
		t.Fatal(err)
	}
	p, _ := UserAutostart()
	b, err := os.ReadFile(p)
	if err != nil || !strings.Contains(string(b), agentExe+" serve --tls") || !StartsAtLogin() {
		t.Fatalf("autostart entry %q: %v", b, err)
	}
	if err := SetStartAtLogin(agentExe, false); err != nil || StartsAtLogin() {
		t.Fatalf("autostart not removed: %v", err)
	}
	if err := SetStartAtLogin(agentExe, false); err != nil {
		t.Fatalf("removing it twice: %v", err)
	}
}

func TestLoadConfigFindsTheStateFolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	os.WriteFile(path, []byte(`{"port": 28001}`), 0o600)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 28001 || cfg.StateDir != dir {
		t.Fatalf("port %d, state %q", cfg.Port, cfg.StateDir)
	}
	if ApprovalsPath(cfg) != filepath.Join(dir, "approvals.json") || JournalPath(cfg) != filepath.Join(dir, "journal.log") {
		t.Fatalf("paths %s %s", ApprovalsPath(cfg), JournalPath(cfg))
	}
	state := filepath.Join(dir, "elsewhere")
	quoted, _ := json.Marshal(state) // a Windows path has backslashes
	os.WriteFile(path, []byte(`{"stateDir": `+string(quoted)+`}`), 0o600)
	if cfg, err = LoadConfig(path); err != nil || cfg.StateDir != state {
		t.Fatalf("stateDir %q: %v", cfg.StateDir, err)
	}
	os.WriteFile(path, []byte(`{"port": "x"}`), 0o600)
	if _, err := LoadConfig(path); err == nil {
		t.Fatal("a broken configuration loaded")
	}
}

// writeProgram makes an executable file.
func writeProgram(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// A program is taken from beside the running executable, through its
// symbolic link, before PATH; then from PATH; else the error names both.
func TestFindProgram(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes and symbolic links as on Unix")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "opt", "zavera")
	writeProgram(t, real)
	link := filepath.Join(dir, "bin", "zavera")
	os.MkdirAll(filepath.Dir(link), 0o755)
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	onPath := filepath.Join(dir, "path", UIProgram)
	writeProgram(t, onPath)
	t.Setenv("PATH", filepath.Dir(onPath))

	// Beside the link only: not taken, PATH's is.
	writeProgram(t, filepath.Join(dir, "bin", UIProgram))
	if p, err := findProgram(UIProgram, link); err != nil || p != onPath {
		t.Fatalf("from PATH: %q %v", p, err)
	}
	// Beside the real executable: taken first.
	beside := filepath.Join(dir, "opt", UIProgram)
	writeProgram(t, beside)
	if p, err := findProgram(UIProgram, link); err != nil || p != beside {
		t.Fatalf("beside: %q %v", p, err)
	}
	// A file beside that cannot be run is passed over.
	os.Chmod(beside, 0o644)
	if p, err := findProgram(UIProgram, link); err != nil || p != onPath {
		t.Fatalf("not executable beside: %q %v", p, err)
	}
	// Nowhere.
	t.Setenv("PATH", t.TempDir())
	_, err := findProgram(UIProgram, link)
	var nf *ProgramNotFoundError
	if !errors.As(err, &nf) || nf.Name != UIProgram || nf.Dir != filepath.Join(dir, "opt") ||
		!strings.Contains(err.Error(), filepath.Join(dir, "opt")) {
		t.Fatalf("nowhere: %v", err)
	}
	// The running test binary has no zavera-ui beside it.
	if _, err := FindProgram(UIProgram); !errors.As(err, &nf) {
		t.Fatalf("FindProgram: %v", err)
	}
}

// Unreadable window settings are skipped with a warning: the rest loads,
// the defaults stand in, and saving writes a clean file.
func TestUISettingsSkipUnreadable(t *testing.T) {
	cfg := agent.Config{StateDir: t.TempDir()}
	for _, c := range []struct{ file, entry string }{
		{`{"language": 5}`, "language"},
		{`{"language": "xx"}`, "language"},
		{`[1, 2]`, ""},
		{"\x00garbage", ""},
	} {
		os.WriteFile(UISettingsPath(cfg), []byte(c.file), 0o600)
		s, err := LoadUISettings(cfg)
		var se *agent.SkippedError
		if !errors.As(err, &se) || se.Entry != c.entry || se.File != UISettingsPath(cfg) || s.Language != "" {
			t.Errorf("%q: %+v, %v", c.file, s, err)
		}
	}
	// An unknown member of a newer version is no error.
	os.WriteFile(UISettingsPath(cfg), []byte(`{"language": "en", "theme": "dark"}`), 0o600)
	if s, err := LoadUISettings(cfg); err != nil || s.Language != "en" || Language(cfg) != "en" {
		t.Fatalf("settings with a newer member: %+v %v", s, err)
	}
	os.WriteFile(UISettingsPath(cfg), []byte(`{"language": 5}`), 0o600)
	if err := SaveUISettings(cfg, UISettings{Language: "ru"}); err != nil {
		t.Fatal(err)
	}
	if s, err := LoadUISettings(cfg); err != nil || s.Language != "ru" {
		t.Fatalf("after saving: %+v %v", s, err)
	}
}
