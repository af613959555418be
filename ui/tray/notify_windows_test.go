//go:build windows

package tray

import (
	"errors"
	"testing"
)

// Without the tray icon there is nothing to show a notification from;
// D-Bus plays no part on Windows.
func TestNotifyWithoutTray(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	if err := Notify("Zavera", "text"); !errors.Is(err, ErrNoTray) {
		t.Fatalf("Notify without a tray icon: %v, want ErrNoTray", err)
	}
}

// Texts longer than the balloon's fields are cut, still NUL-terminated.
func TestNotifyFieldsCut(t *testing.T) {
	var title [64]uint16
	fill(title[:], string(make([]byte, 200)))
	fill(title[:], "абвгдежзийклмнопрстуфхцчшщъыьэюяабвгдежзийклмнопрстуфхцчшщъыьэюя")
	if title[63] != 0 {
		t.Fatalf("the last unit is %#x, want NUL", title[63])
	}
	if title[0] != 'а' {
		t.Fatalf("the first unit is %#x, want а", title[0])
	}
}
