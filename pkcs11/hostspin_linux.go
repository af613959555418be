package pkcs11

import (
	"io"
	"os"
	"runtime"
	"syscall"
	"time"
)

// spinPoll returns the poller of a spinReader on f, nil where polling
// would not help: with one processor the host needs the processor the
// poller would hold.
func spinPoll(f io.Reader) func([]byte, time.Time) (int, bool, error) {
	file, ok := f.(*os.File)
	if !ok || runtime.NumCPU() < 2 {
		return nil
	}
	rc, err := file.SyscallConn()
	if err != nil {
		return nil
	}
	return func(p []byte, until time.Time) (n int, done bool, rerr error) {
		err := rc.Read(func(fd uintptr) bool {
			for {
				m, err := syscall.Read(int(fd), p)
				switch {
				case err == syscall.EAGAIN || err == syscall.EINTR:
					if !time.Now().Before(until) {
						return true // give up polling: the caller blocks
					}
					// Let the host run if it shares this processor.
					syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
					continue
				case err != nil:
					rerr, done = err, true
				case m == 0:
					rerr, done = io.EOF, true
				default:
					n, done = m, true
				}
				return true
			}
		})
		if err != nil {
			return 0, true, err
		}
		return n, done, rerr
	}
}
