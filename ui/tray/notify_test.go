//go:build !windows

package tray

import (
	"errors"
	"testing"

	"github.com/godbus/dbus/v5"
)

// notifications is a stand-in for the desktop's notification server.
type notifications struct{ got chan [2]string }

func (n *notifications) Notify(app string, id uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	n.got <- [2]string{summary, body}
	return 1, nil
}

func TestNotify(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	if err := Notify("a", "b"); !errors.Is(err, ErrNoSessionBus) {
		t.Fatalf("without a bus: %v", err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", sessionBus(t))
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := &notifications{got: make(chan [2]string, 1)}
	if err := conn.Export(n, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("name: %v %v", reply, err)
	}
	if err := Notify("Сертификат скоро истечёт", "Сертификат «Иванов» истекает 2026-12-01."); err != nil {
		t.Fatal(err)
	}
	got := <-n.got
	if got[0] != "Сертификат скоро истечёт" || got[1] != "Сертификат «Иванов» истекает 2026-12-01." {
		t.Fatalf("notification %q", got)
	}
}
