//go:build windows

package sessionlock

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/windows"
)

// className is the window class of the watcher's message-only window.
const className = "ZaveraSessionLock"

// Window messages and their parameters (winuser.h, wtsapi32.h, pbt.h).
const (
	wmClose             = 0x0010
	wmPowerBroadcast    = 0x0218
	wmWTSSessionChange  = 0x02B1
	wmApp               = 0x8000
	wmStop              = wmApp + 1   // the watcher's own: stop asks the thread to end
	hwndMessage         = ^uintptr(2) // (HWND)-3: the parent of message-only windows
	notifyForThisSess   = 0
	deviceNotifyWindow  = 0
	pbtAPMSuspend       = 4
	wtsConsoleDisconn   = 0x2
	wtsRemoteDisconnect = 0x4
	wtsSessionLogoff    = 0x6
	wtsSessionLock      = 0x7
)

var (
	user32   = windows.NewLazySystemDLL("user32.dll")
	wtsapi32 = windows.NewLazySystemDLL("wtsapi32.dll")

	procRegisterClassExW     = user32.NewProc("RegisterClassExW")
	procCreateWindowExW      = user32.NewProc("CreateWindowExW")
	procDestroyWindow        = user32.NewProc("DestroyWindow")
	procDefWindowProcW       = user32.NewProc("DefWindowProcW")
	procGetMessageW          = user32.NewProc("GetMessageW")
	procDispatchMessageW     = user32.NewProc("DispatchMessageW")
	procPostMessageW         = user32.NewProc("PostMessageW")
	procPostQuitMessage      = user32.NewProc("PostQuitMessage")
	procRegisterSuspend      = user32.NewProc("RegisterSuspendResumeNotification")
	procUnregisterSuspend    = user32.NewProc("UnregisterSuspendResumeNotification")
	procWTSRegisterSession   = wtsapi32.NewProc("WTSRegisterSessionNotification")
	procWTSUnRegisterSession = wtsapi32.NewProc("WTSUnRegisterSessionNotification")
)

// wndClassEx is WNDCLASSEXW.
type wndClassEx struct {
	size       uint32
	style      uint32
	wndProc    uintptr
	clsExtra   int32
	wndExtra   int32
	instance   windows.Handle
	icon       windows.Handle
	cursor     windows.Handle
	background windows.Handle
	menuName   *uint16
	className  *uint16
	iconSm     windows.Handle
}

// msg is MSG.
type msg struct {
	hwnd    uintptr
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	pt      struct{ x, y int32 }
	private uint32
}

// mainThread is the process's main thread: package initialisation runs
// on it.
var mainThread = windows.GetCurrentThreadId()

// registerSession subscribes hwnd to the session's lock, log-off and
// disconnect notices. A variable so that the package's tests can make
// it fail as Windows may (before Remote Desktop Services have started,
// for instance).
var registerSession = func(hwnd uintptr) error {
	if err := procWTSRegisterSession.Find(); err != nil {
		return err
	}
	if r, _, err := procWTSRegisterSession.Call(hwnd, notifyForThisSess); r == 0 {
		return err
	}
	return nil
}

// The window class is registered once per process and kept: the window
// procedure is a callback Go never frees, and a second Watch reuses both.
var (
	classOnce sync.Once
	classErr  error

	// watchers maps each watcher's window to it, for the window
	// procedure.
	watchersMu sync.Mutex
	watchers   = map[uintptr]*watcher{}
)

func registerClass() error {
	classOnce.Do(func() {
		var inst windows.Handle
		if err := windows.GetModuleHandleEx(0, nil, &inst); err != nil {
			classErr = fmt.Errorf("GetModuleHandleEx: %w", err)
			return
		}
		name, _ := windows.UTF16PtrFromString(className)
		wc := wndClassEx{
			wndProc:   windows.NewCallback(wndProc),
			instance:  inst,
			className: name,
		}
		wc.size = uint32(unsafe.Sizeof(wc))
		if r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
			classErr = fmt.Errorf("RegisterClassExW: %w", err)
		}
	})
	return classErr
}

// Watch calls fn for each lock, log-off, disconnection and sleep of the
// user's Windows session until stop is called. It makes a message-only
// window on an OS thread of its own, subscribed with
// WTSRegisterSessionNotification (NOTIFY_FOR_THIS_SESSION) and, from
// Windows 8 on, RegisterSuspendResumeNotification (a message-only
// window gets no broadcast, so WM_POWERBROADCAST must be asked for). It
// fails with ErrUnavailable when the window cannot be made or the
// session notifications cannot be had; sleep notices that cannot be had
// are only logged.
func Watch(fn func(Event), log *slog.Logger) (stop func(), err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := registerClass(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	w := &watcher{fn: fn, log: log, done: make(chan struct{})}
	ready := make(chan error, 1)
	go w.loop(ready, nil)
	if err := <-ready; err != nil {
		<-w.done
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return w.stop, nil
}

type watcher struct {
	fn  func(Event)
	log *slog.Logger

	hwnd     uintptr
	power    uintptr // RegisterSuspendResumeNotification's handle, or 0
	stopping atomic.Bool
	stopOnce sync.Once
	done     chan struct{} // closed when the thread's work is over
}

// loop runs on a locked OS thread that it never unlocks, so the thread
// ends with it: the window, its messages and the notifications all
// belong to this thread.
//
// The runtime parks the main thread instead of ending it when a
// goroutine locked to it ends, so loop moves off it: while this
// goroutine holds the main thread, a new one cannot run there.
func (w *watcher) loop(ready chan<- error, placed chan<- struct{}) {
	runtime.LockOSThread()
	if windows.GetCurrentThreadId() == mainThread {
		moved := make(chan struct{})
		go w.loop(ready, moved)
		<-moved
		runtime.UnlockOSThread()
		return
	}
	if placed != nil {
		close(placed)
	}
	defer close(w.done)
	if err := w.open(); err != nil {
		ready <- err
		return
	}
	ready <- nil
	var m msg
	for {
		r, _, err := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		switch int32(r) {
		case -1:
			w.log.Warn("screen lock: the message loop failed", "err", err)
			w.close()
			return
		case 0: // WM_QUIT
			if w.stopping.Load() {
				return
			}
			// Posted by someone else: keep watching.
			continue
		}
		procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
	}
}

// open makes the window and subscribes it; on failure nothing is left.
func (w *watcher) open() error {
	name, _ := windows.UTF16PtrFromString(className)
	hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(name)),
		0, 0, 0, 0, 0, hwndMessage, 0, 0, 0)
	if hwnd == 0 {
		return fmt.Errorf("CreateWindowExW: %w", err)
	}
	w.hwnd = hwnd
	watchersMu.Lock()
	watchers[hwnd] = w
	watchersMu.Unlock()
	if err := registerSession(hwnd); err != nil {
		w.forget()
		procDestroyWindow.Call(hwnd)
		return fmt.Errorf("WTSRegisterSessionNotification: %w", err)
	}
	if err := procRegisterSuspend.Find(); err != nil {
		w.log.Info("screen lock: sleep is not watched", "err", err)
	} else if h, _, err := procRegisterSuspend.Call(hwnd, deviceNotifyWindow); h == 0 {
		w.log.Info("screen lock: sleep is not watched", "err", fmt.Errorf("RegisterSuspendResumeNotification: %w", err))
	} else {
		w.power = h
	}
	return nil
}

// close undoes open; on the watcher's thread only.
func (w *watcher) close() {
	if w.power != 0 {
		procUnregisterSuspend.Call(w.power)
		w.power = 0
	}
	procWTSUnRegisterSession.Call(w.hwnd)
	w.forget()
	procDestroyWindow.Call(w.hwnd)
}

func (w *watcher) forget() {
	watchersMu.Lock()
	delete(watchers, w.hwnd)
	watchersMu.Unlock()
}

// stop asks the thread to close the window and end, and waits for it.
// It must not be called from fn.
func (w *watcher) stop() {
	w.stopOnce.Do(func() {
		w.stopping.Store(true)
		if r, _, err := procPostMessageW.Call(w.hwnd, wmStop, 0, 0); r == 0 {
			// The queue is full (10,000 messages): not something to
			// wait out; the thread is left to the process's end.
			w.log.Warn("screen lock: could not stop watching", "err", err)
			return
		}
		<-w.done
	})
}

// wndProc is the window procedure of every watcher's window; it runs on
// the thread that made the window.
func wndProc(hwnd, message, wParam, lParam uintptr) uintptr {
	watchersMu.Lock()
	w := watchers[hwnd]
	watchersMu.Unlock()
	if w != nil {
		switch message {
		case wmWTSSessionChange:
			if e := sessionEvent(wParam); e != 0 {
				w.fn(e)
			}
			return 0
		case wmPowerBroadcast:
			if wParam == pbtAPMSuspend {
				w.fn(Sleep)
			}
			return 1
		case wmStop:
			// Only stop's own request counts: any process on the desktop
			// can post to the window.
			if w.stopping.Load() {
				w.close()
				procPostQuitMessage.Call(0)
			}
			return 0
		case wmClose:
			// Not closed from outside either.
			return 0
		}
	}
	r, _, _ := procDefWindowProcW.Call(hwnd, message, wParam, lParam)
	return r
}

// sessionEvent turns a WM_WTSSESSION_CHANGE notice into an event; 0 for
// those that are not a reason to log out. A session disconnected from
// its console or its remote client lives on with nobody at it, as
// behind a lock.
func sessionEvent(code uintptr) Event {
	switch code {
	case wtsSessionLock, wtsConsoleDisconn, wtsRemoteDisconnect:
		return Locked
	case wtsSessionLogoff:
		return Ended
	}
	return 0
}
