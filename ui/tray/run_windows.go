//go:build windows

package tray

import (
	"fmt"
	"runtime"
	"time"

	"fyne.io/systray"
)

// readyWithin bounds the wait for the notification area: systray only
// logs a failure to register its window, and ready then never closes.
const readyWithin = 5 * time.Second

// run starts systray on a thread of its own. A Windows window gets its
// messages (menu clicks, quit) only on the thread that made it, so the
// window and its message loop must share one locked thread: systray.Run
// makes both there and returns when the window is destroyed.
func run(build func(), ready <-chan struct{}) (end func(), err error) {
	go func() {
		runtime.LockOSThread()
		systray.Run(build, nil)
	}()
	select {
	case <-ready:
		return systray.Quit, nil
	case <-time.After(readyWithin):
		return nil, fmt.Errorf("%w (no answer in %v)", ErrNoTray, readyWithin)
	}
}
