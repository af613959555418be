package pkcs11

import (
	"io"
	"os"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	procPeekNamedPipe  = windows.NewLazySystemDLL("kernel32.dll").NewProc("PeekNamedPipe")
	procSwitchToThread = windows.NewLazySystemDLL("kernel32.dll").NewProc("SwitchToThread")
)

// spinPoll returns the poller of a spinReader on the pipe f, nil where
// polling would not help: with one processor the host needs the
// processor the poller would hold. Windows' anonymous pipes have no
// non-blocking read: the poller asks PeekNamedPipe whether bytes are
// waiting and leaves the reading to the blocking read that follows,
// which then returns at once.
func spinPoll(f io.Reader) func([]byte, time.Time) (int, bool, error) {
	file, ok := f.(*os.File)
	if !ok || runtime.NumCPU() < 2 || procPeekNamedPipe.Find() != nil {
		return nil
	}
	h := file.Fd()
	return func(_ []byte, until time.Time) (int, bool, error) {
		for {
			var avail uint32
			r, _, _ := procPeekNamedPipe.Call(h, 0, 0, 0, uintptr(unsafe.Pointer(&avail)), 0)
			if r == 0 || avail > 0 || !time.Now().Before(until) {
				// An error (the host ended), bytes waiting or time up:
				// the blocking read takes it from here.
				return 0, false, nil
			}
			// Let the host run if it shares this processor.
			procSwitchToThread.Call()
		}
	}
}
