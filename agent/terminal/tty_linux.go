//go:build linux

package terminal

import "golang.org/x/sys/unix"

// isTerminal reports whether fd is a terminal.
func isTerminal(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	return err == nil
}

// flushInput discards what was typed on the terminal fd and not yet read,
// a line being typed included (tcflush with TCIFLUSH).
func flushInput(fd uintptr) error {
	return unix.IoctlSetInt(int(fd), unix.TCFLSH, unix.TCIFLUSH)
}

// echoOff turns echo off on the terminal fd; restore turns it back to
// what it was.
func echoOff(fd uintptr) (restore func() error, err error) {
	old, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	if err != nil {
		return nil, err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHONL
	if err := unix.IoctlSetTermios(int(fd), unix.TCSETS, &quiet); err != nil {
		return nil, err
	}
	return func() error { return unix.IoctlSetTermios(int(fd), unix.TCSETS, old) }, nil
}
