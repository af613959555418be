package main

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/zavera/zavera/internal/osslref"
)

var uiBuild struct {
	once sync.Once
	err  error
	out  []byte
}

// desktopAgent builds zavera (no build tags) with zavera-ui beside it, as
// the packages install them, once per test run.
func desktopAgent(t *testing.T) string {
	t.Helper()
	bin := agentBinary(t, "")
	uiBuild.once.Do(func() {
		cmd := exec.Command("go", "build", "-o", filepath.Join(filepath.Dir(bin), "zavera-ui"), "./cmd/zavera-ui")
		cmd.Dir = osslref.Root(t)
		uiBuild.out, uiBuild.err = cmd.CombinedOutput()
	})
	if uiBuild.err != nil {
		t.Fatalf("go build ./cmd/zavera-ui: %v\n%s", uiBuild.err, uiBuild.out)
	}
	return bin
}

// stopAgent sends SIGTERM and returns the exit code.
func stopAgent(t *testing.T, a *runningAgent) int {
	t.Helper()
	a.cmd.Process.Signal(syscall.SIGTERM)
	return waitAgent(t, a)
}

func waitAgent(t *testing.T, a *runningAgent) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- a.cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(15 * time.Second):
		t.Fatalf("agent did not stop: %s", a.stderrText())
		return -1
	}
}

// Without a D-Bus session the desktop agent runs without a tray, says so,
// and stops cleanly (Fyne's own tray panics on quit there).
func TestServeDesktopWithoutSessionBus(t *testing.T) {
	bin := desktopAgent(t)
	dir := t.TempDir()
	key, crt := agentKey(t, dir)
	a := startAgent(t, bin, []string{"DISPLAY=:93", "DBUS_SESSION_BUS_ADDRESS="},
		"--port", "0", "--config", filepath.Join(dir, "c.json"), "--key", key, "--cert", crt)
	if code := stopAgent(t, a); code != 0 {
		t.Fatalf("exit %d: %s", code, a.stderrText())
	}
	if s := a.stderrText(); !strings.Contains(s, "running without a tray icon") || strings.Contains(s, "panic") {
		t.Fatalf("log: %s", s)
	}
}

// privateSessionBus starts a D-Bus session daemon for the test.
func privateSessionBus(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("dbus-daemon (Debian package dbus-daemon): %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(addr)
}

// The tray is on the session bus, lists the approved sites, and its Quit
// stops the agent cleanly.
func TestServeDesktopTrayQuit(t *testing.T) {
	bin := desktopAgent(t)
	bus := privateSessionBus(t)
	dir := t.TempDir()
	key, crt := agentKey(t, dir)
	cfg := filepath.Join(dir, "c.json")
	a := startAgent(t, bin, []string{"DISPLAY=:93", "DBUS_SESSION_BUS_ADDRESS=" + bus, "LANG=en_US.UTF-8"},
		"--port", "0", "--config", cfg, "--key", key, "--cert", crt)
	conn, err := dbus.Connect(bus)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	name := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", a.cmd.Process.Pid)
	menu := conn.Object(name, "/StatusNotifierMenu")
	// Find the Quit item in the exported menu.
	var quitID int32 = -1
	deadline := time.Now().Add(10 * time.Second)
	for quitID < 0 {
		var rev uint32
		var root struct {
			ID    int32
			Props map[string]dbus.Variant
			Kids  []dbus.Variant
		}
		if call := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}); call.Err == nil {
			call.Store(&rev, &root)
			for _, k := range root.Kids {
				parts, _ := k.Value().([]any)
				if len(parts) != 3 {
					continue
				}
				props, _ := parts[1].(map[string]dbus.Variant)
				if l, ok := props["label"]; ok && l.Value() == "Quit" {
					quitID = parts[0].(int32)
				}
			}
		}
		if quitID < 0 && time.Now().After(deadline) {
			t.Fatalf("no Quit in the tray menu: %s", a.stderrText())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if call := menu.Call("com.canonical.dbusmenu.Event", 0, quitID, "clicked", dbus.MakeVariant(""), uint32(0)); call.Err != nil {
		t.Fatalf("click Quit: %v", call.Err)
	}
	if code := waitAgent(t, a); code != 0 {
		t.Fatalf("exit %d after Quit: %s", code, a.stderrText())
	}
	if s := a.stderrText(); strings.Contains(s, "panic") || strings.Contains(s, "running without a tray") {
		t.Fatalf("log: %s", s)
	}
}
