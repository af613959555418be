//go:build windows

package appconf

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// useTestRunKey points runKey at a key of the test's own for the test's
// duration, so that the user's real Run key is never touched.
func useTestRunKey(t *testing.T) string {
	t.Helper()
	key := fmt.Sprintf(`Software\Zavera tests %d\Run`, os.Getpid())
	old := runKey
	runKey = key
	t.Cleanup(func() {
		runKey = old
		registry.DeleteKey(registry.CURRENT_USER, key)
		registry.DeleteKey(registry.CURRENT_USER, fmt.Sprintf(`Software\Zavera tests %d`, os.Getpid()))
	})
	return key
}

// TestRunKey: start at login is the Run key's value "Zavera", the one the
// installer writes (here with reg.exe, as `zavera install` does), read and
// written by the settings window through StartsAtLogin and
// SetStartAtLogin.
func TestRunKey(t *testing.T) {
	key := useTestRunKey(t)
	if StartsAtLogin() {
		t.Fatal("starts at login before anything was set")
	}
	exe := `C:\Users\Пользователь\AppData\Local\Programs\Zavera\zavera.exe`
	if out, err := exec.Command("reg.exe", "add", `HKCU\`+key, "/v", "Zavera", "/t", "REG_SZ",
		"/d", `"`+exe+`" serve --tls`, "/f").CombinedOutput(); err != nil {
		t.Fatalf("reg.exe add: %v: %s", err, out)
	}
	if !StartsAtLogin() {
		t.Fatal("the installer's Run value is not seen")
	}
	if err := SetStartAtLogin(exe, false); err != nil {
		t.Fatal(err)
	}
	if StartsAtLogin() {
		t.Fatal("still starts at login after it was turned off")
	}
	if err := SetStartAtLogin(exe, false); err != nil {
		t.Fatalf("turning it off twice: %v", err)
	}
	if err := SetStartAtLogin(exe, true); err != nil {
		t.Fatal(err)
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, key, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if v, _, err := k.GetStringValue("Zavera"); err != nil || v != `"`+exe+`" serve --tls` {
		t.Fatalf("Run value %q, %v", v, err)
	}
	if !StartsAtLogin() {
		t.Fatal("not seen after it was turned on")
	}
	if err := SetStartAtLogin(exe, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.GetStringValue("Zavera"); !errors.Is(err, registry.ErrNotExist) {
		t.Fatalf("Run value after turning it off: %v", err)
	}
}
