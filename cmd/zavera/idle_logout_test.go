package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/zavera/zavera/internal/dbustest"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

// gostAgent is `zavera serve` (test build, approving and typing the PIN)
// with the GOST test token, for the logout tests.
type gostAgent struct {
	*runningAgent
	dir  string
	page *page
	cert string
}

func startGOSTAgent(t *testing.T, idleLogout string, env ...string) *gostAgent {
	t.Helper()
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
	const origin = "https://portal.example"
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(`{"origins": ["`+origin+`"], "modules": ["`+module+`"], "noModuleDiscovery": true,
		"limits": {"idleLogout": "`+idleLogout+`"}}`), 0o600)
	env = append([]string{"GOSTTOKEN_DIR=" + dir, "ZAVERA_PKCS11_MODULES=", "ZAVERA_SCRIPT_APPROVE=1",
		"ZAVERA_SCRIPT_PIN=" + provision.UserPIN}, env...)
	a := startAgent(t, bin, env, "--headless", "--verbose", "--port", "0", "--config", cfg)
	p := openPage(t, a.addr, origin)
	p.must("hello", map[string]any{"protocols": []int{1}}, nil)
	return &gostAgent{runningAgent: a, dir: dir, page: p, cert: pkcs11.CertificateID(key.CertDER)}
}

// control writes the GOST test token's fault file.
func (g *gostAgent) control(t *testing.T, lines string) {
	t.Helper()
	tmp := filepath.Join(g.dir, "control.tmp")
	if err := os.WriteFile(tmp, []byte(lines+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(g.dir, "control")); err != nil {
		t.Fatal(err)
	}
}

// sign returns "" or the error reason.
func (g *gostAgent) sign() string {
	return g.page.call("sign", map[string]any{"certificate": g.cert, "data": []byte("Заявление"), "description": "test"}, nil)
}

// waitLog waits for the agent's log to say what.
func (g *gostAgent) waitLog(t *testing.T, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(g.stderrText(), what) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never said %q:\n%s", what, g.stderrText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// needsLogin checks that the next signature needs a new login: with the
// token's PIN pad turned on in "cancel" mode the signature is refused as
// cancelled (a token still logged in would sign). With the pad off
// again, the next signature logs in with the PIN and is made.
func (g *gostAgent) needsLogin(t *testing.T) {
	t.Helper()
	g.control(t, "pinpad = cancel")
	if r := g.sign(); r != "cancelled" {
		t.Fatalf("a signature went without a new login (%q)", r)
	}
	g.control(t, "pinpad = none")
	if r := g.sign(); r != "" {
		t.Fatalf("a signature with a new login: %s", r)
	}
}

// The real agent with "idleLogout": "300ms" in its configuration file
// logs the token out 300 ms after a signature, and the next signature
// needs a new login.
func TestServeLogsTheTokenOutWhenIdle(t *testing.T) {
	g := startGOSTAgent(t, "300ms", "DBUS_SESSION_BUS_ADDRESS=", "XDG_RUNTIME_DIR="+t.TempDir(),
		"DBUS_SYSTEM_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "nobus"))
	if r := g.sign(); r != "" {
		t.Fatalf("first signature: %s", r)
	}
	g.waitLog(t, "token logged out after idle time")
	g.needsLogin(t)
}

// The real agent on a session bus of its own: a screen saver's lock
// signal logs the token out at once (the idle time is an hour), and the
// next signature needs a new login.
func TestServeLogsTheTokenOutWhenTheScreenLocks(t *testing.T) {
	bus := dbustest.Daemon(t)
	g := startGOSTAgent(t, "1h", "DBUS_SESSION_BUS_ADDRESS="+bus,
		"DBUS_SYSTEM_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "nobus"))
	if r := g.sign(); r != "" {
		t.Fatalf("first signature: %s", r)
	}
	c, err := dbus.Connect(bus)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Emit("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.ActiveChanged", true); err != nil {
		t.Fatal(err)
	}
	g.waitLog(t, "reason=\"screen locked\"")
	g.needsLogin(t)
}
