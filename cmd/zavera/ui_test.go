package main

import (
	"debug/buildinfo"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The agent does not link the GUI toolkit: Fyne and its GL and GLFW
// bindings are in zavera-ui only. (The tray's fyne.io/systray is a
// separate module that speaks D-Bus and draws nothing.)
func TestZaveraDoesNotLinkFyne(t *testing.T) {
	gui := func(path string) bool {
		return path == "fyne.io/fyne/v2" || strings.HasPrefix(path, "github.com/go-gl/") ||
			strings.HasPrefix(path, "github.com/fyne-io/")
	}
	guiModules := func(bin string) []string {
		bi, err := buildinfo.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range bi.Deps {
			if gui(m.Path) {
				out = append(out, m.Path)
			}
		}
		return out
	}
	bin := desktopAgent(t)
	if mods := guiModules(bin); len(mods) > 0 {
		t.Errorf("zavera links %v: keep the windows in cmd/zavera-ui", mods)
	}
	// The same check finds Fyne in the window program.
	if mods := guiModules(filepath.Join(filepath.Dir(bin), "zavera-ui")); len(mods) == 0 {
		t.Error("zavera-ui links no Fyne: the check above checks nothing")
	}
}

// fakeUIProgram puts a zavera-ui on PATH that prints its arguments and
// its input and exits 3.
func fakeUIProgram(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "zavera-ui")
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho \"args: $*\"\ncat\necho oops >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return p
}

func TestUIRunsTheWindowProgram(t *testing.T) {
	fakeUIProgram(t)
	code, out, errOut := runCmd(t, strings.NewReader("input\n"), "ui", "--tab", "sites", "--config", "c.json")
	if code != 3 || out != "args: main --tab sites --config c.json\ninput\n" || errOut != "oops\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestUIWithoutTheWindowProgram(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	code, out, errOut := runCmd(t, nil, "ui")
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"zavera-ui", "не найдена", "переустановите", "not found", "reinstall", "--headless"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q: %s", want, errOut)
		}
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

// With a display but no zavera-ui, serve says in both languages what is
// missing and stops before it listens.
func TestServeDesktopNeedsTheWindowProgram(t *testing.T) {
	t.Setenv("DISPLAY", ":93")
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	key, certFile := agentKey(t, dir)
	code, out, errOut := runCmd(t, nil, "serve", "--port", "0", "--config", filepath.Join(dir, "c.json"), "--key", key, "--cert", certFile)
	if code != 1 || strings.Contains(out, "listening") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []string{"zavera serve: ", "программа окон Zavera (zavera-ui) не найдена", "Zavera's window program (zavera-ui) is not found", "--headless"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q: %s", want, errOut)
		}
	}
}

// The doctor says where the window program is, and reports its absence
// as a problem, in Russian too.
func TestDoctorFindsTheWindowProgram(t *testing.T) {
	t.Setenv("LC_ALL", "C")
	t.Setenv("ZAVERA_PKCS11_MODULES", "")
	dir := t.TempDir()
	args := []string{"doctor", "--json", "--no-discovery", "--config", filepath.Join(dir, "c.json"), "--port", "1", "--home", dir, "--root", dir}
	report := func() doctorReport {
		t.Helper()
		_, out, errOut := runCmd(t, nil, args...)
		var r doctorReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v:\n%s\n%s", err, out, errOut)
		}
		return r
	}
	fake := fakeUIProgram(t)
	r := report()
	if !r.UIProgram.Found || r.UIProgram.Path != fake || r.UIProgram.Name != "zavera-ui" {
		t.Errorf("with zavera-ui on PATH: %+v", r.UIProgram)
	}
	for _, p := range r.Problems {
		if strings.Contains(p, "window program") {
			t.Errorf("problem %q", p)
		}
	}
	if _, out, _ := runCmd(t, nil, append([]string{"doctor"}, args[2:]...)...); !strings.Contains(out, "Window program: "+fake) {
		t.Errorf("text report lacks the window program:\n%s", out)
	}

	t.Setenv("PATH", t.TempDir())
	r = report()
	self, _ := os.Executable()
	self, _ = filepath.EvalSymlinks(self)
	if r.UIProgram.Found || r.UIProgram.Searched != filepath.Dir(self) {
		t.Errorf("without zavera-ui: %+v", r.UIProgram)
	}
	want := "the window program zavera-ui is neither in " + filepath.Dir(self) + " nor on PATH: reinstall Zavera"
	found := false
	for _, p := range r.Problems {
		found = found || p == want
	}
	if !found {
		t.Errorf("problems %q lack %q", r.Problems, want)
	}
	t.Setenv("LC_ALL", "ru_RU.UTF-8")
	if r = report(); !strings.Contains(strings.Join(r.Problems, "\n"), "программы окон zavera-ui нет ни в ") {
		t.Errorf("Russian problems %q", r.Problems)
	}
}
