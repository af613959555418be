//go:build linux

package installer

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/browserext"
)

// fakeHostProgram makes dir/zavera and dir/zavera-host and returns the
// first.
func fakeHostProgram(t *testing.T, dir string) string {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	for _, n := range []string{"zavera", HostProgram} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "zavera")
}

// readManifest reads a host manifest and checks it names the host and
// admits the Zavera extension only.
func readManifest(t *testing.T, path string, firefox bool, program string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	allowed, want := "allowed_origins", "chrome-extension://"+browserext.ChromiumExtensionID+"/"
	if firefox {
		allowed, want = "allowed_extensions", "extension@zavera.ru"
	}
	list, _ := m[allowed].([]any)
	if m["name"] != "ru.zavera.host" || m["type"] != "stdio" || m["path"] != program || len(list) != 1 || list[0] != want {
		t.Fatalf("%s:\n%s", path, data)
	}
}

// A user installation registers the host with the browsers the user has
// (their folders exist) and no other; doctor's status reads them back;
// uninstalling removes them and the folders made for them only.
func TestHostManifestsUser(t *testing.T) {
	root, home := t.TempDir(), t.TempDir()
	exe := fakeHostProgram(t, filepath.Join(t.TempDir(), "bin"))
	host := filepath.Join(filepath.Dir(exe), HostProgram)
	for _, d := range []string{".config/google-chrome", ".config/yandex-browser", ".mozilla"} {
		os.MkdirAll(filepath.Join(home, d), 0o700)
	}
	var log bytes.Buffer
	o := Options{Scope: User, Root: root, Home: home, Exe: exe, Log: &log}
	if err := Install(o); err != nil {
		t.Fatalf("install: %v\n%s", err, log.String())
	}
	chrome := filepath.Join(home, ".config/google-chrome/NativeMessagingHosts/ru.zavera.host.json")
	yandex := filepath.Join(home, ".config/yandex-browser/NativeMessagingHosts/ru.zavera.host.json")
	firefox := filepath.Join(home, ".mozilla/native-messaging-hosts/ru.zavera.host.json")
	readManifest(t, chrome, false, host)
	readManifest(t, yandex, false, host)
	readManifest(t, firefox, true, host)
	for _, d := range []string{".config/chromium", ".config/microsoft-edge"} {
		if _, err := os.Stat(filepath.Join(home, d)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s made for a browser the user does not have", d)
		}
	}
	st := o.Status()
	if len(st.NativeHosts) != 3 {
		t.Fatalf("status: %+v", st.NativeHosts)
	}
	for _, h := range st.NativeHosts {
		if h.Error != "" || h.Program != host {
			t.Errorf("status: %+v", h)
		}
	}
	// A manifest that admits another extension, one whose program is
	// gone: both are told.
	os.WriteFile(chrome, bytes.ReplaceAll(HostManifest(host, false), []byte(browserext.ChromiumExtensionID), []byte(strings.Repeat("a", 32))), 0o644)
	os.Remove(host)
	bad := 0
	for _, h := range o.Status().NativeHosts {
		if h.Error != "" {
			bad++
		}
	}
	if bad != 3 {
		t.Errorf("%d registrations reported wrong, want 3: %+v", bad, o.Status().NativeHosts)
	}
	if err := Uninstall(o); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	for _, p := range []string{filepath.Dir(chrome), filepath.Dir(yandex), filepath.Dir(firefox)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind", p)
		}
	}
	if _, err := os.Stat(filepath.Join(home, ".config/google-chrome")); err != nil {
		t.Error("uninstalling removed the browser's own folder")
	}
}

// A system installation writes the manifests in the machine's folders
// of Chrome, Chromium, Edge and Firefox; uninstalling leaves nothing.
func TestHostManifestsSystem(t *testing.T) {
	root, _, _ := debianRoot(t)
	exe := fakeHostProgram(t, filepath.Join(t.TempDir(), "usr", "bin"))
	host := filepath.Join(filepath.Dir(exe), HostProgram)
	var log bytes.Buffer
	o := Options{Scope: System, Root: root, Exe: exe, Log: &log}
	if err := Install(o); err != nil {
		t.Fatalf("install: %v\n%s", err, log.String())
	}
	for dir, firefox := range map[string]bool{"etc/opt/chrome/native-messaging-hosts": false, "etc/chromium/native-messaging-hosts": false,
		"etc/opt/edge/native-messaging-hosts": false, "usr/lib/mozilla/native-messaging-hosts": true} {
		readManifest(t, filepath.Join(root, dir, "ru.zavera.host.json"), firefox, host)
	}
	if n := len(o.Status().NativeHosts); n != 4 {
		t.Fatalf("status lists %d registrations, want 4", n)
	}
	if err := Uninstall(o); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	for _, p := range []string{"etc/opt/chrome", "etc/chromium", "etc/opt/edge", "usr/lib/mozilla"} {
		if _, err := os.Lstat(filepath.Join(root, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind (%v)", p, err)
		}
	}
}

// On Windows every browser's key names the manifest, and uninstalling
// deletes each key.
func TestWindowsHostCommands(t *testing.T) {
	for _, scope := range []Scope{User, System} {
		o := Options{Scope: scope}
		hive := o.windowsHive()
		in := o.windowsHostCommands(`C:\Zavera`)
		un := o.windowsHostUninstallCommands()
		if len(in) != len(HostBrowsers) || len(un) != len(HostBrowsers) {
			t.Fatalf("%d and %d commands", len(in), len(un))
		}
		for i, b := range HostBrowsers {
			key := hive + `\` + b.RegistryKey + `\ru.zavera.host`
			file := filepath.Join(`C:\Zavera`, "ru.zavera.host.json")
			if b.Firefox {
				file = filepath.Join(`C:\Zavera`, "ru.zavera.host.firefox.json")
			}
			if got := strings.Join(in[i], " "); got != "reg.exe add "+key+" /ve /t REG_SZ /d "+file+" /f" {
				t.Errorf("%s", got)
			}
			if got := strings.Join(un[i], " "); got != "reg.exe delete "+key+" /f" {
				t.Errorf("%s", got)
			}
		}
	}
	if got := regDefaultValue("\r\nHKEY_CURRENT_USER\\Software\\x\r\n    (Default)    REG_SZ    C:\\Users\\a b\\m.json\r\n\r\n"); got != `C:\Users\a b\m.json` {
		t.Errorf("reg query value %q", got)
	}
}
