//go:build windows

package tray

import (
	"fmt"
	"os"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows a notification is the tray icon's balloon: Shell_NotifyIcon
// NIM_MODIFY with NIF_INFO on the icon systray added (its hidden window,
// class "SystrayClass" in this process, and its id 100). Windows 10 and
// 11 show it as a toast from the notification area; Focus Assist may
// hold it. Without the tray icon there is nothing to show it through.

var (
	shell32        = windows.NewLazySystemDLL("shell32.dll")
	shellNotify    = shell32.NewProc("Shell_NotifyIconW")
	user32dll      = windows.NewLazySystemDLL("user32.dll")
	findWindowEx   = user32dll.NewProc("FindWindowExW")
	windowThreadID = user32dll.NewProc("GetWindowThreadProcessId")
)

// systrayIconID is the id systray gives its icon.
const systrayIconID = 100

// notifyIconData is NOTIFYICONDATAW as of Vista.
type notifyIconData struct {
	size             uint32
	wnd              windows.Handle
	id               uint32
	flags            uint32
	callbackMessage  uint32
	icon             windows.Handle
	tip              [128]uint16
	state, stateMask uint32
	info             [256]uint16
	timeout, version uint32
	infoTitle        [64]uint16
	infoFlags        uint32
	guidItem         windows.GUID
	balloonIcon      windows.Handle
}

const (
	nimModify = 0x1
	nifInfo   = 0x10
	niifInfo  = 0x1
)

// trayIconWindow finds systray's hidden window in this process, or 0.
func trayIconWindow() windows.Handle {
	class, _ := windows.UTF16PtrFromString("SystrayClass")
	var w uintptr
	for {
		w, _, _ = findWindowEx.Call(0, w, uintptr(unsafe.Pointer(class)), 0)
		if w == 0 {
			return 0
		}
		var pid uint32
		windowThreadID.Call(w, uintptr(unsafe.Pointer(&pid)))
		if pid == uint32(os.Getpid()) {
			return windows.Handle(w)
		}
	}
}

// fill copies s into a NUL-terminated UTF-16 field, cut at a NUL in s
// and to fit.
func fill(dst []uint16, s string) {
	u := utf16.Encode([]rune(s))
	for i, c := range u {
		if c == 0 {
			u = u[:i]
			break
		}
	}
	if len(u) >= len(dst) {
		u = u[:len(dst)-1]
	}
	copy(dst, u)
	dst[len(u)] = 0
}

// Notify shows a notification from the tray icon.
func Notify(title, body string) error {
	w := trayIconWindow()
	if w == 0 {
		return fmt.Errorf("%w: no tray icon to show a notification from", ErrNoTray)
	}
	nid := notifyIconData{wnd: w, id: systrayIconID, flags: nifInfo, infoFlags: niifInfo}
	nid.size = uint32(unsafe.Sizeof(nid))
	fill(nid.infoTitle[:], title)
	fill(nid.info[:], body)
	if ok, _, err := shellNotify.Call(nimModify, uintptr(unsafe.Pointer(&nid))); ok == 0 {
		return fmt.Errorf("tray: notification: Shell_NotifyIcon: %w", err)
	}
	return nil
}
