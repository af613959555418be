//go:build windows

package regpolicy_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/windows/registry"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/internal/regpolicy"
)

// deleteTree removes a key and everything under it.
func deleteTree(t *testing.T, root registry.Key, path string) {
	t.Helper()
	k, err := registry.OpenKey(root, path, registry.READ|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	subs, err := k.ReadSubKeyNames(-1)
	k.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		deleteTree(t, root, path+`\`+s)
	}
	if err := registry.DeleteKey(root, path); err != nil {
		t.Fatal(err)
	}
}

// policyKey makes the policy key afresh under HKEY_LOCAL_MACHINE and
// removes it when the test ends.
func policyKey(t *testing.T) registry.Key {
	t.Helper()
	deleteTree(t, registry.LOCAL_MACHINE, regpolicy.KeyPath)
	t.Cleanup(func() { deleteTree(t, registry.LOCAL_MACHINE, regpolicy.KeyPath) })
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, regpolicy.KeyPath, registry.ALL_ACCESS|registry.WOW64_64KEY)
	if err != nil {
		t.Fatalf("cannot write group policy (run as an administrator): %v", err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func subKey(t *testing.T, k registry.Key, name string) registry.Key {
	t.Helper()
	s, _, err := registry.CreateKey(k, name, registry.ALL_ACCESS|registry.WOW64_64KEY)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// userConfig writes a user's configuration and returns its path.
func userConfig(t *testing.T, json string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.json")
	must(t, os.WriteFile(p, []byte(json), 0o600))
	return p
}

// The agent's configuration in force, as zavera serve loads it, takes the
// group policy written in the registry over the user's own settings.
func TestGroupPolicyInForce(t *testing.T) {
	k := policyKey(t)
	must(t, k.SetDWordValue("Port", 28411))
	must(t, k.SetDWordValue("NoModuleDiscovery", 1))
	o := subKey(t, k, "Origins")
	must(t, o.SetStringValue("1", "https://portal.example.ru"))
	must(t, o.SetStringValue("2", "https://lk.example.ru"))
	must(t, k.SetStringsValue("Modules", []string{`C:\Токен\orgp11.dll`}))
	must(t, subKey(t, k, "RawSignOrigins").SetStringValue("1", "https://portal.example.ru"))
	must(t, os.Setenv("ZAVERA_TEST_POLICY_DIR", `C:\Org`))
	t.Cleanup(func() { os.Unsetenv("ZAVERA_TEST_POLICY_DIR") })
	must(t, subKey(t, k, "TrustAnchors").SetExpandStringValue("1", `%ZAVERA_TEST_POLICY_DIR%\ca.pem`))
	l := subKey(t, k, "Limits")
	must(t, l.SetDWordValue("PINAttempts", 1))
	must(t, l.SetDWordValue("IdleLogoutSeconds", 60))
	must(t, l.SetQWordValue("MaxMessageBytes", 1<<20))
	must(t, subKey(t, k, "Journal").SetDWordValue("KeepFiles", 4))

	cfg, err := appconf.LoadConfig(userConfig(t, `{"port": 29000, "modules": ["C:\\own\\own.dll"],
		"limits": {"pinAttempts": 5, "idleLogout": "1h", "maxBatch": 7}}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 28411 || !cfg.NoModuleDiscovery || cfg.Limits.PINAttempts != 1 ||
		cfg.Limits.IdleLogout != agent.Duration(time.Minute) || cfg.Limits.MaxMessageBytes != 1<<20 ||
		cfg.Journal.KeepFiles != 4 {
		t.Errorf("group policy not in force: %+v", cfg)
	}
	if cfg.Limits.MaxBatch != 7 {
		t.Errorf("the user's limit the policy does not set was lost: maxBatch %d", cfg.Limits.MaxBatch)
	}
	for _, o := range []string{"https://portal.example.ru", "https://lk.example.ru", agent.PortalOrigins[0]} {
		if !slices.Contains(cfg.Origins, o) {
			t.Errorf("origins %q lack %s", cfg.Origins, o)
		}
	}
	if want := []string{`C:\own\own.dll`, `C:\Токен\orgp11.dll`}; !slices.Equal(cfg.Modules, want) {
		t.Errorf("modules %q, want %q", cfg.Modules, want)
	}
	if want := []string{"https://portal.example.ru"}; !slices.Equal(cfg.RawSignOrigins, want) {
		t.Errorf("rawSignOrigins %q, want %q", cfg.RawSignOrigins, want)
	}
	if want := []string{`C:\Org\ca.pem`}; !slices.Equal(cfg.TrustAnchors, want) {
		t.Errorf("trust anchors %q, want %q", cfg.TrustAnchors, want)
	}
}

// A misspelt value stops the configuration from loading, naming it.
func TestGroupPolicyMisspelt(t *testing.T) {
	k := policyKey(t)
	must(t, subKey(t, k, "Limits").SetDWordValue("PinAttempts", 1))
	_, err := appconf.LoadConfig(userConfig(t, `{}`))
	var ve *regpolicy.ValueError
	if !errors.As(err, &ve) || !errors.Is(err, regpolicy.ErrUnknown) || ve.Path != regpolicy.KeyPath+`\Limits\PinAttempts` {
		t.Fatalf("error %v, want an unknown value at Limits\\PinAttempts", err)
	}
}

// With no policy key the user's configuration stands.
func TestNoGroupPolicy(t *testing.T) {
	deleteTree(t, registry.LOCAL_MACHINE, regpolicy.KeyPath)
	cfg, err := appconf.LoadConfig(userConfig(t, `{"port": 29000}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := regpolicy.Load(); ok || err != nil {
		t.Errorf("Load without a key: ok %v, err %v", ok, err)
	}
	if cfg.Port != 29000 {
		t.Errorf("port %d, want the user's 29000", cfg.Port)
	}
}
