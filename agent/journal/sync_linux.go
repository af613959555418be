package journal

import (
	"os"
	"syscall"
)

// syncData flushes the file's data, and the metadata needed to read it
// back, to the disk (fdatasync): the journal writes over space it wrote
// ahead, so that is all a commit needs. Tests replace it.
var syncData = fdatasync

func fdatasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
