//go:build windows

package sessionend

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32               = windows.NewLazySystemDLL("user32.dll")
	procRegisterClassExW = user32.NewProc("RegisterClassExW")
	procCreateWindowExW  = user32.NewProc("CreateWindowExW")
	procDefWindowProcW   = user32.NewProc("DefWindowProcW")
	procDestroyWindow    = user32.NewProc("DestroyWindow")
	procGetMessageW      = user32.NewProc("GetMessageW")
	procTranslateMessage = user32.NewProc("TranslateMessage")
	procDispatchMessageW = user32.NewProc("DispatchMessageW")
	procPostMessageW     = user32.NewProc("PostMessageW")
	procPostQuitMessage  = user32.NewProc("PostQuitMessage")
)

const (
	wmDestroy          = 0x0002
	wmClose            = 0x0010
	wmQueryEndSession  = 0x0011
	wmEndSession       = 0x0016
	wmStop             = 0x8000 + 1 // WM_APP+1: destroy the window
	errClassExists     = windows.Errno(1410)
	className          = "ZaveraAgentSession"
	windowTitle        = "Zavera agent"
	wsOverlappedWindow = 0x00CF0000
)

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

type msg struct {
	hwnd    windows.HWND
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	pt      struct{ x, y int32 }
	private uint32
}

// watcher is one hidden window's state.
type watcher struct {
	cancel   func()
	finished chan struct{} // closed by stop
	once     sync.Once
}

var (
	classOnce sync.Once
	classErr  error
	class16   *uint16

	mu       sync.Mutex
	watchers = map[windows.HWND]*watcher{}
)

// register registers the window class once per process.
func register() error {
	classOnce.Do(func() {
		class16, classErr = windows.UTF16PtrFromString(className)
		if classErr != nil {
			return
		}
		var inst windows.Handle
		if classErr = windows.GetModuleHandleEx(0, nil, &inst); classErr != nil {
			return
		}
		wc := wndClassEx{wndProc: windows.NewCallback(wndProc), instance: inst, className: class16}
		wc.size = uint32(unsafe.Sizeof(wc))
		if r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 && !errors.Is(err, errClassExists) {
			classErr = fmt.Errorf("sessionend: registering the window class: %w", err)
		}
	})
	return classErr
}

func wndProc(hwnd windows.HWND, message uint32, wParam, lParam uintptr) uintptr {
	mu.Lock()
	w := watchers[hwnd]
	mu.Unlock()
	switch {
	case w == nil:
	case message == wmQueryEndSession:
		return 1
	case message == wmEndSession:
		if wParam != 0 {
			w.cancel()
			select {
			case <-w.finished:
			case <-time.After(EndWait):
			}
		}
		return 0
	case message == wmClose:
		w.cancel()
		return 0
	case message == wmStop:
		procDestroyWindow.Call(uintptr(hwnd))
		return 0
	case message == wmDestroy:
		procPostQuitMessage.Call(0)
		return 0
	}
	r, _, _ := procDefWindowProcW.Call(uintptr(hwnd), uintptr(message), wParam, lParam)
	return r
}

func watch(cancel func()) (func(), error) {
	if err := register(); err != nil {
		return nil, err
	}
	w := &watcher{cancel: cancel, finished: make(chan struct{})}
	made := make(chan error, 1)
	ended := make(chan struct{})
	var hwnd windows.HWND
	go func() {
		defer close(ended)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		title, _ := windows.UTF16PtrFromString(windowTitle)
		// The messages of the window's making are left to
		// DefWindowProc; others from other threads wait for the loop
		// below, by which time the window is known.
		h, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(class16)), uintptr(unsafe.Pointer(title)),
			wsOverlappedWindow, 0, 0, 0, 0, 0, 0, 0, 0)
		if h != 0 {
			hwnd = windows.HWND(h)
			mu.Lock()
			watchers[hwnd] = w
			mu.Unlock()
		}
		if h == 0 {
			made <- fmt.Errorf("sessionend: making the hidden window: %w", err)
			return
		}
		made <- nil
		var m msg
		for {
			r, _, _ := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
			if int32(r) <= 0 {
				break
			}
			procTranslateMessage.Call(uintptr(unsafe.Pointer(&m)))
			procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
		}
		mu.Lock()
		delete(watchers, hwnd)
		mu.Unlock()
	}()
	if err := <-made; err != nil {
		<-ended
		return nil, err
	}
	stop := func() {
		w.once.Do(func() {
			close(w.finished)
			procPostMessageW.Call(uintptr(hwnd), wmStop, 0, 0)
			select {
			case <-ended:
			case <-time.After(EndWait):
			}
		})
	}
	return stop, nil
}
