//go:build windows

package sessionlock

// SetRegisterSession replaces the call that subscribes the window to the
// session's notices, until restore is called.
func SetRegisterSession(f func(hwnd uintptr) error) (restore func()) {
	old := registerSession
	registerSession = f
	return func() { registerSession = old }
}

// ClassName is the watcher window's class.
const ClassName = className
