//go:build windows

package tray

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/zavera/zavera/ui/i18n"
)

var (
	user32       = windows.NewLazySystemDLL("user32.dll")
	findWindow   = user32.NewProc("FindWindowW")
	postMessage  = user32.NewProc("PostMessageW")
	windowThread = user32.NewProc("GetWindowThreadProcessId")
)

// trayWindow finds systray's hidden window in this process, or 0.
func trayWindow(t *testing.T) uintptr {
	t.Helper()
	class, _ := windows.UTF16PtrFromString("SystrayClass")
	w, _, _ := findWindow.Call(uintptr(unsafe.Pointer(class)), 0)
	if w == 0 {
		return 0
	}
	var pid uint32
	windowThread.Call(w, uintptr(unsafe.Pointer(&pid)))
	if pid != uint32(os.Getpid()) {
		return 0
	}
	return w
}

// click sends the window the WM_COMMAND that choosing item in the
// notification area's menu sends.
func click(t *testing.T, w uintptr, item fmt.Stringer) {
	t.Helper()
	var id uint32
	if _, err := fmt.Sscanf(item.String(), "MenuItem[%d,", &id); err != nil {
		t.Fatalf("menu item %v: %v", item, err)
	}
	const wmCommand = 0x0111
	if r, _, err := postMessage.Call(w, wmCommand, uintptr(id), 0); r == 0 {
		t.Fatalf("PostMessage: %v", err)
	}
}

// TestTrayOnWindows: without any D-Bus, Start puts the icon in the
// notification area, and the menu's items reach the callbacks through
// the window's message loop.
func TestTrayOnWindows(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	// systray reports its failures (an icon Windows cannot load, a menu
	// not made) only in the log.
	var logged syncBuffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	var mu sync.Mutex
	var paused []bool
	opened := make(chan struct{}, 1)
	quit := make(chan struct{}, 1)
	tr, err := Start(Menu{Lang: i18n.Russian,
		Open:  func() { opened <- struct{}{} },
		Pause: func(p bool) { mu.Lock(); paused = append(paused, p); mu.Unlock() },
		Quit:  func() { quit <- struct{}{} },
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	w := trayWindow(t)
	if w == 0 {
		tr.Stop()
		t.Fatal("no tray window in this process")
	}
	tr.SetTokens(2)
	tr.SetSites([]string{"https://lk.gosuslugi.ru"})
	// A notification is the icon's balloon; the notification area takes
	// it only for an icon it holds.
	if err := Notify("Zavera", "Срок действия сертификата истекает 2027-01-31"); err != nil {
		t.Errorf("Notify with the tray icon: %v", err)
	}

	wait := func(what string, ch <-chan struct{}) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the click did not arrive", what)
		}
	}
	click(t, w, tr.open)
	wait("open", opened)
	click(t, w, tr.pause)
	// The menu's state changes before the callback runs: wait for both.
	calls := func() int { mu.Lock(); defer mu.Unlock(); return len(paused) }
	for deadline := time.Now().Add(10 * time.Second); !tr.Paused() || calls() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("pause: the click did not arrive (paused %v, %d calls)", tr.Paused(), calls())
		}
	}
	mu.Lock()
	if len(paused) != 1 || !paused[0] {
		t.Errorf("Pause calls: %v, want [true]", paused)
	}
	mu.Unlock()
	if got, want := tr.pause.String(), fmt.Sprintf("%q", i18n.Russian.T(i18n.TrayResume)); !containsTitle(got, want) {
		t.Errorf("pause item after pausing: %s, want the title %s", got, want)
	}
	click(t, w, tr.quit)
	wait("quit", quit)

	if l := logged.String(); strings.Contains(l, "systray error") {
		t.Errorf("systray logged errors:\n%s", l)
	}

	tr.Stop()
	for deadline := time.Now().Add(10 * time.Second); trayWindow(t) != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the tray window is still there after Stop")
		}
	}
}

// syncBuffer is a bytes.Buffer for the log, which systray writes from
// its own thread.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func containsTitle(item, quoted string) bool {
	return len(item) >= len(quoted) && item[len(item)-len(quoted)-1:len(item)-1] == quoted
}
