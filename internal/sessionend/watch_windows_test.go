//go:build windows

package sessionend

import (
	"fmt"
	"os"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	procSendMessageW = user32.NewProc("SendMessageW")
	procFindWindowW  = user32.NewProc("FindWindowW")
)

// TestMain, as a child with SESSIONEND_TEST_SEND set, plays Windows to
// a running agent's hidden window: "endsession" sends what log-off
// sends, "close" what taskkill without /F posts. .ci/wine-test uses it
// on zavera.exe serve.
func TestMain(m *testing.M) {
	if what := os.Getenv("SESSIONEND_TEST_SEND"); what != "" {
		class, _ := windows.UTF16PtrFromString(className)
		title, _ := windows.UTF16PtrFromString(windowTitle)
		h, _, err := procFindWindowW.Call(uintptr(unsafe.Pointer(class)), uintptr(unsafe.Pointer(title)))
		if h == 0 {
			fmt.Println("no agent window:", err)
			os.Exit(2)
		}
		switch what {
		case "endsession":
			r, _, _ := procSendMessageW.Call(h, wmQueryEndSession, 0, 0)
			fmt.Println("WM_QUERYENDSESSION answered", r)
			procSendMessageW.Call(h, wmEndSession, 1, 0)
			fmt.Println("WM_ENDSESSION returned")
		case "close":
			procPostMessageW.Call(h, wmClose, 0, 0)
			fmt.Println("WM_CLOSE posted")
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// window is the hidden window of the only watcher.
func window(t *testing.T) windows.HWND {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if len(watchers) != 1 {
		t.Fatalf("%d hidden windows, want 1", len(watchers))
	}
	for h := range watchers {
		return h
	}
	return 0
}

// Log-off: the query is not vetoed and cancels nothing; the end cancels
// and does not return until the agent says it has finished.
func TestEndSessionWaitsForTheAgent(t *testing.T) {
	cancelled := make(chan struct{}, 4)
	stop, err := Watch(func() { cancelled <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	h := window(t)
	if r, _, _ := procSendMessageW.Call(uintptr(h), wmQueryEndSession, 0, 0); r == 0 {
		t.Fatal("WM_QUERYENDSESSION vetoed the end of the session")
	}
	select {
	case <-cancelled:
		t.Fatal("WM_QUERYENDSESSION cancelled the agent")
	default:
	}
	returned := make(chan struct{})
	go func() {
		procSendMessageW.Call(uintptr(h), wmEndSession, 1, 0)
		close(returned)
	}()
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("WM_ENDSESSION did not cancel the agent")
	}
	select {
	case <-returned:
		t.Fatal("WM_ENDSESSION returned before the agent finished")
	case <-time.After(300 * time.Millisecond):
	}
	stop()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("WM_ENDSESSION still waits after the agent finished")
	}
}

// A session end that was cancelled (wParam FALSE) leaves the agent be.
func TestCancelledEndSession(t *testing.T) {
	cancelled := make(chan struct{}, 4)
	stop, err := Watch(func() { cancelled <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	procSendMessageW.Call(uintptr(window(t)), wmEndSession, 0, 0)
	select {
	case <-cancelled:
		t.Fatal("a cancelled session end cancelled the agent")
	default:
	}
}

// WM_CLOSE (taskkill without /F) cancels; stop removes the window.
func TestCloseCancels(t *testing.T) {
	cancelled := make(chan struct{}, 4)
	stop, err := Watch(func() { cancelled <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	h := window(t)
	procPostMessageW.Call(uintptr(h), wmClose, 0, 0)
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("WM_CLOSE did not cancel the agent")
	}
	stop()
	stop()
	mu.Lock()
	n := len(watchers)
	mu.Unlock()
	if n != 0 || windows.IsWindow(h) {
		t.Fatalf("the window is still there after stop (%d watchers)", n)
	}
}
