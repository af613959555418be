//go:build !windows

package tray

import (
	"fmt"

	"github.com/godbus/dbus/v5"
)

// Notify shows a desktop notification (org.freedesktop.Notifications on
// the session bus), without a window.
func Notify(title, body string) error {
	if err := SessionBus(); err != nil {
		return err
	}
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		return fmt.Errorf("tray: notification: %w", err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return fmt.Errorf("tray: notification: %w", err)
	}
	if err := conn.Hello(); err != nil {
		return fmt.Errorf("tray: notification: %w", err)
	}
	call := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications").Call(
		"org.freedesktop.Notifications.Notify", 0,
		"Zavera", uint32(0), "", title, body, []string{}, map[string]dbus.Variant{}, int32(-1))
	if call.Err != nil {
		return fmt.Errorf("tray: notification: %w", call.Err)
	}
	return nil
}
