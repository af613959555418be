//go:build unix

package pkcs11

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// channelOut duplicates standard output for the channel and points file
// descriptor 1 at standard error.
func channelOut() (*os.File, error) {
	fd, err := unix.FcntlInt(1, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, err
	}
	if err := unix.Dup2(2, 1); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "pkcs11-host-channel"), nil
}

// channelIn is standard input made non-blocking, so that the host can
// poll it for the agent's next call before it sleeps (hostspin.go);
// standard input as it is when that fails.
func channelIn() *os.File {
	if err := unix.SetNonblock(0, true); err != nil {
		return os.Stdin
	}
	return os.NewFile(0, "pkcs11-host-input")
}

// noCoreFiles keeps a crash of the module from writing a core file.
func noCoreFiles() error {
	return unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
}
