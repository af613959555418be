//go:build windows

package journal

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is where the one byte that lockFile locks lies: far beyond
// the end of the file locked (the head file, see open), because a
// Windows byte-range lock is mandatory and a lock over its contents
// would stop `zavera journal` from reading them while the agent runs.
const lockOffset uint64 = 1<<63 - 2

// lockFile takes an exclusive lock on f's lock byte, failing at
// once (ERROR_LOCK_VIOLATION) if another process holds it. Windows drops
// the lock when the handle is closed or the process ends.
func lockFile(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lockErr error
	err = rc.Control(func(fd uintptr) {
		ol := windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
		lockErr = windows.LockFileEx(windows.Handle(fd),
			windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	})
	if err != nil {
		return err
	}
	return lockErr
}
