//go:build linux

package sessionlock_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/zavera/zavera/agent/sessionlock"
	"github.com/zavera/zavera/internal/dbustest"
)

func connect(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func emit(t *testing.T, c *dbus.Conn, path dbus.ObjectPath, name string, body ...any) {
	t.Helper()
	if err := c.Emit(path, name, body...); err != nil {
		t.Fatal(err)
	}
}

func noBus(t *testing.T, which string) {
	switch which {
	case "system":
		t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "none"))
	case "session":
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
		t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	}
}

// A screen saver's ActiveChanged(true) on a real session bus is a lock;
// ActiveChanged(false) is nothing; the bus going away ends the session.
func TestScreenSaverOnSessionBus(t *testing.T) {
	addr, stopBus := dbustest.DaemonWithStop(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	noBus(t, "system")
	ch := make(events, 16)
	stop, err := sessionlock.Watch(ch.fn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c := connect(t, addr)
	emit(t, c, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver.ActiveChanged", false)
	emit(t, c, "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.ActiveChanged", true)
	ch.want(t, sessionlock.Locked) // and not for the false before it
	emit(t, c, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver.ActiveChanged", true)
	ch.want(t, sessionlock.Locked)
	emit(t, c, "/org/example/Other", "org.example.Other.ActiveChanged", true)
	stopBus()
	ch.want(t, sessionlock.Ended)
	ch.none(t)
}

// fakeLogind answers GetSessionByPID as systemd-logind would.
type fakeLogind struct{ session dbus.ObjectPath }

func (f fakeLogind) GetSessionByPID(uint32) (dbus.ObjectPath, *dbus.Error) { return f.session, nil }

// systemd-logind's signals on a bus playing the system bus, with a
// stand-in logind owning org.freedesktop.login1: the own session's Lock
// and LockedHint, sleep and the session's removal are reported; another
// session's, a sleep's end and the same signals from another sender are
// not.
func TestLogindSignals(t *testing.T) {
	addr := dbustest.Daemon(t)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", addr)
	noBus(t, "session")
	const own, other = dbus.ObjectPath("/org/freedesktop/login1/session/_33"), dbus.ObjectPath("/org/freedesktop/login1/session/_34")
	logind := connect(t, addr)
	if err := logind.Export(fakeLogind{own}, "/org/freedesktop/login1", "org.freedesktop.login1.Manager"); err != nil {
		t.Fatal(err)
	}
	if r, err := logind.RequestName("org.freedesktop.login1", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("name: %v %v", r, err)
	}
	ch := make(events, 16)
	stop, err := sessionlock.Watch(ch.fn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	impostor := connect(t, addr)

	emit(t, impostor, own, "org.freedesktop.login1.Session.Lock")
	emit(t, logind, other, "org.freedesktop.login1.Session.Lock")
	emit(t, logind, own, "org.freedesktop.login1.Session.Lock")
	ch.want(t, sessionlock.Locked)
	emit(t, logind, own, "org.freedesktop.DBus.Properties.PropertiesChanged", "org.freedesktop.login1.Session",
		map[string]dbus.Variant{"LockedHint": dbus.MakeVariant(false)}, []string{})
	emit(t, logind, own, "org.freedesktop.DBus.Properties.PropertiesChanged", "org.freedesktop.login1.Session",
		map[string]dbus.Variant{"LockedHint": dbus.MakeVariant(true)}, []string{})
	ch.want(t, sessionlock.Locked)
	emit(t, logind, "/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", false)
	emit(t, logind, "/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", true)
	ch.want(t, sessionlock.Sleep)
	emit(t, logind, "/org/freedesktop/login1", "org.freedesktop.login1.Manager.SessionRemoved", "34", other)
	emit(t, logind, "/org/freedesktop/login1", "org.freedesktop.login1.Manager.SessionRemoved", "33", own)
	ch.want(t, sessionlock.Ended)
	stop()
	ch.none(t)
}

// Without any bus, Watch says so.
func TestNoBus(t *testing.T) {
	noBus(t, "system")
	noBus(t, "session")
	if _, err := sessionlock.Watch(func(sessionlock.Event) {}, nil); !errors.Is(err, sessionlock.ErrUnavailable) {
		t.Fatalf("Watch without buses: %v", err)
	}
}
