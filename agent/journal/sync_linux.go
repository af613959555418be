package journal

import (
	"os"
	"syscall"
)

// syncData flushes the file's data, and the metadata needed to read it
// back, to the disk (fdatasync): the journal writes over space it wrote
// ahead, so that is all a commit needs. It holds the descriptor for the
// call, so that a rotation closing the file meanwhile makes it fail
// rather than flush another file. Tests replace it.
var syncData = fdatasync

func fdatasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		for {
			serr = syscall.Fdatasync(int(fd))
			if serr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return serr
}
