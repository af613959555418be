//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package terminal

import "golang.org/x/sys/unix"

// isTerminal reports whether fd is a terminal.
func isTerminal(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), unix.TIOCGETA)
	return err == nil
}

// flushInput discards what was typed on the terminal fd and not yet read,
// a line being typed included (TIOCFLUSH with FREAD, as tcflush with
// TCIFLUSH does).
func flushInput(fd uintptr) error {
	const fread = 0x1
	return unix.IoctlSetPointerInt(int(fd), unix.TIOCFLUSH, fread)
}

// echoOff turns echo off on the terminal fd; restore turns it back to
// what it was.
func echoOff(fd uintptr) (restore func() error, err error) {
	old, err := unix.IoctlGetTermios(int(fd), unix.TIOCGETA)
	if err != nil {
		return nil, err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHONL
	if err := unix.IoctlSetTermios(int(fd), unix.TIOCSETA, &quiet); err != nil {
		return nil, err
	}
	return func() error { return unix.IoctlSetTermios(int(fd), unix.TIOCSETA, old) }, nil
}
