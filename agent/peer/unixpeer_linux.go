package peer

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
)

// CheckUnix admits the other end of a Unix socket connection only when
// its process runs as this process's user, read from the socket's
// credentials (SO_PEERCRED).
func CheckUnix(c net.Conn) error {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("%w: not a Unix socket", ErrLookup)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrLookup, err)
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return fmt.Errorf("%w: %w", ErrLookup, err)
	}
	if cerr != nil {
		return fmt.Errorf("%w: %w", ErrLookup, cerr)
	}
	if int(cred.Uid) != os.Getuid() {
		return fmt.Errorf("%w: uid %s", ErrForeign, strconv.Itoa(int(cred.Uid)))
	}
	return nil
}
