//go:build windows

package sessionlock_test

import (
	"errors"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/zavera/zavera/agent/sessionlock"
)

var (
	user32        = windows.NewLazySystemDLL("user32.dll")
	findWindowEx  = user32.NewProc("FindWindowExW")
	postMessage   = user32.NewProc("PostMessageW")
	isWindow      = user32.NewProc("IsWindow")
	threadProcess = user32.NewProc("GetWindowThreadProcessId")
)

const (
	hwndMessage        = ^uintptr(2) // HWND_MESSAGE
	wmClose            = 0x0010
	wmPowerBroadcast   = 0x0218
	wmWTSSessionChange = 0x02B1
	wmApp              = 0x8000

	wtsConsoleDisconnect = 0x2
	wtsRemoteDisconnect  = 0x4
	wtsSessionLogon      = 0x5
	wtsSessionLogoff     = 0x6
	wtsSessionLock       = 0x7
	wtsSessionUnlock     = 0x8

	pbtAPMSuspend         = 0x4
	pbtAPMResumeAutomatic = 0x12

	rpcSInvalidBinding = windows.Errno(1702) // RPC_S_INVALID_BINDING
)

// watcherWindow finds the watcher's message-only window in this process,
// or 0. Other windows of the class (none are expected) are skipped.
func watcherWindow(t *testing.T) uintptr {
	t.Helper()
	class, _ := windows.UTF16PtrFromString(sessionlock.ClassName)
	var w uintptr
	for {
		w, _, _ = findWindowEx.Call(hwndMessage, w, uintptr(unsafe.Pointer(class)), 0)
		if w == 0 {
			return 0
		}
		var pid uint32
		threadProcess.Call(w, uintptr(unsafe.Pointer(&pid)))
		if pid == uint32(os.Getpid()) {
			return w
		}
	}
}

// windowThread is the ID of the thread that made w.
func windowThread(w uintptr) uint32 {
	tid, _, _ := threadProcess.Call(w, 0)
	return uint32(tid)
}

func post(t *testing.T, w, message, wParam uintptr) {
	t.Helper()
	if r, _, err := postMessage.Call(w, message, wParam, 0); r == 0 {
		t.Fatalf("PostMessage(%#x, %#x): %v", message, wParam, err)
	}
}

func alive(w uintptr) bool {
	r, _, _ := isWindow.Call(w)
	return r != 0
}

// threadEnds checks that thread tid has ended or ends.
func threadEnds(t *testing.T, tid uint32) {
	t.Helper()
	h, err := windows.OpenThread(windows.SYNCHRONIZE, false, tid)
	if err != nil {
		// No such thread any more.
		return
	}
	defer windows.CloseHandle(h)
	if ev, err := windows.WaitForSingleObject(h, 10000); ev != windows.WAIT_OBJECT_0 {
		t.Fatalf("the watcher's thread %d is still running (%#x, %v)", tid, ev, err)
	}
}

// The session's lock, log-off and disconnections and the computer's
// suspend, as Windows sends them to the watcher's window, are reported;
// unlock, log-on, resume, and a close or stop request from outside are
// not; stop removes the window and ends its thread; a second Watch
// works.
func TestWindowsNotices(t *testing.T) {
	ch := make(events, 16)
	stop, err := sessionlock.Watch(ch.fn, nil)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	w := watcherWindow(t)
	if w == 0 {
		stop()
		t.Fatal("no message-only window of class " + sessionlock.ClassName)
	}
	tid := windowThread(w)

	post(t, w, wmWTSSessionChange, wtsSessionUnlock)
	post(t, w, wmWTSSessionChange, wtsSessionLogon)
	post(t, w, wmWTSSessionChange, wtsSessionLock)
	ch.want(t, sessionlock.Locked) // and nothing for the two before
	post(t, w, wmWTSSessionChange, wtsConsoleDisconnect)
	ch.want(t, sessionlock.Locked)
	post(t, w, wmWTSSessionChange, wtsRemoteDisconnect)
	ch.want(t, sessionlock.Locked)
	post(t, w, wmWTSSessionChange, wtsSessionLogoff)
	ch.want(t, sessionlock.Ended)
	post(t, w, wmPowerBroadcast, pbtAPMResumeAutomatic)
	post(t, w, wmPowerBroadcast, pbtAPMSuspend)
	ch.want(t, sessionlock.Sleep)

	// Another process may post to the window: neither WM_CLOSE nor the
	// watcher's own stop message ends it unless stop asked.
	post(t, w, wmClose, 0)
	for m := uintptr(wmApp); m < wmApp+8; m++ {
		post(t, w, m, 0)
	}
	post(t, w, wmWTSSessionChange, wtsSessionLock)
	ch.want(t, sessionlock.Locked)
	if !alive(w) {
		t.Fatal("the window was closed from outside")
	}

	stop()
	stop() // a second stop is harmless
	if alive(w) {
		t.Error("the window outlives stop")
	}
	if watcherWindow(t) != 0 {
		t.Error("a watcher window is left after stop")
	}
	threadEnds(t, tid)
	ch.none(t)

	stop, err = sessionlock.Watch(ch.fn, nil)
	if err != nil {
		t.Fatalf("second Watch: %v", err)
	}
	defer stop()
	w2 := watcherWindow(t)
	if w2 == 0 {
		t.Fatal("no window for the second Watch")
	}
	post(t, w2, wmWTSSessionChange, wtsSessionLock)
	ch.want(t, sessionlock.Locked)
}

// When Windows refuses the session notifications (as it may before
// Remote Desktop Services have started), Watch fails with ErrUnavailable
// carrying Windows' error, leaves no window and ends its thread.
func TestSessionNotificationsRefused(t *testing.T) {
	var hwnd uintptr
	var tid uint32
	defer sessionlock.SetRegisterSession(func(w uintptr) error {
		hwnd, tid = w, windows.GetCurrentThreadId()
		return rpcSInvalidBinding
	})()
	stop, err := sessionlock.Watch(func(sessionlock.Event) { t.Error("event without a watcher") }, nil)
	if stop != nil {
		stop()
	}
	if !errors.Is(err, sessionlock.ErrUnavailable) || !errors.Is(err, rpcSInvalidBinding) {
		t.Fatalf("Watch: %v, want ErrUnavailable with RPC_S_INVALID_BINDING", err)
	}
	if hwnd == 0 {
		t.Fatal("no window was subscribed")
	}
	if alive(hwnd) {
		t.Error("the window is left")
	}
	if watcherWindow(t) != 0 {
		t.Error("a watcher window is left")
	}
	threadEnds(t, tid)
}

// Every stop ends the watcher's thread, wherever the scheduler first ran
// its goroutine (the runtime would park the main thread instead of
// ending it).
func TestStopEndsThread(t *testing.T) {
	for i := 0; i < 20; i++ {
		stop, err := sessionlock.Watch(func(sessionlock.Event) {}, nil)
		if err != nil {
			t.Fatalf("Watch %d: %v", i, err)
		}
		w := watcherWindow(t)
		if w == 0 {
			stop()
			t.Fatalf("Watch %d: no window", i)
		}
		tid := windowThread(w)
		stop()
		threadEnds(t, tid)
	}
}
