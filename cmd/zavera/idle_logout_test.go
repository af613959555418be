package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

// The real agent with the GOST test token and "idleLogout": "300ms" in
// its configuration file: after a signature and 300 ms without one it
// logs the token out, so that the next signature needs a new login. The
// test turns the token's PIN pad on in "cancel" mode to see that login
// asked for (the signature is refused as cancelled), then off: the next
// signature logs in again with the PIN and is made.
func TestServeLogsTheTokenOutWhenIdle(t *testing.T) {
	bin := agentBinary(t, "zavera_script")
	module := filepath.Join(osslref.Root(t), "build", "libgosttoken.so")
	if _, err := os.Stat(module); err != nil {
		t.Fatalf("the GOST test token is not built (%v): run make testtoken", err)
	}
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
	control := func(lines string) {
		tmp := filepath.Join(dir, "control.tmp")
		if err := os.WriteFile(tmp, []byte(lines+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "control")); err != nil {
			t.Fatal(err)
		}
	}
	const origin = "https://portal.example"
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(`{"origins": ["`+origin+`"], "modules": ["`+module+`"], "noModuleDiscovery": true,
		"limits": {"idleLogout": "300ms"}}`), 0o600)
	a := startAgent(t, bin, []string{"GOSTTOKEN_DIR=" + dir, "ZAVERA_PKCS11_MODULES=", "ZAVERA_SCRIPT_APPROVE=1",
		"ZAVERA_SCRIPT_PIN=" + provision.UserPIN, "DBUS_SESSION_BUS_ADDRESS=", "DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + filepath.Join(dir, "nobus")},
		"--headless", "--verbose", "--port", "0", "--config", cfg)
	p := openPage(t, a.addr, origin)
	p.must("hello", map[string]any{"protocols": []int{1}}, nil)
	id := pkcs11.CertificateID(key.CertDER)
	sign := func() string {
		return p.call("sign", map[string]any{"certificate": id, "data": []byte("Заявление"), "description": "test"}, nil)
	}
	if r := sign(); r != "" {
		t.Fatalf("first signature: %s", r)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(a.stderrText(), "token logged out after idle time") {
		if time.Now().After(deadline) {
			t.Fatalf("no idle logout:\n%s", a.stderrText())
		}
		time.Sleep(20 * time.Millisecond)
	}
	control("pinpad = cancel")
	if r := sign(); r != "cancelled" {
		t.Fatalf("a signature after the idle time went without a login (%q)", r)
	}
	control("pinpad = none")
	if r := sign(); r != "" {
		t.Fatalf("a signature with a new login: %s", r)
	}
}
