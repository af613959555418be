// Package dbustest starts private D-Bus daemons for tests. It is used by
// tests only.
package dbustest

import (
	"bufio"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// Daemon starts a dbus-daemon of its own (with the session bus
// configuration), stopped when the test ends, and returns its address.
// The test fails when dbus-daemon is missing.
func Daemon(t testing.TB) string {
	addr, _ := DaemonWithStop(t)
	return addr
}

// DaemonWithStop is Daemon that also returns a function stopping the
// daemon before the test ends (the bus going away).
func DaemonWithStop(t testing.TB) (addr string, stop func()) {
	t.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("dbus-daemon (Debian package dbus-daemon): %v", err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { cmd.Process.Kill(); cmd.Wait() }) }
	t.Cleanup(stop)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line), stop
}
