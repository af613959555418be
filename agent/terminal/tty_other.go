//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly && !windows

package terminal

import "errors"

// On other systems there may be no /dev/tty: Open fails, and a
// Terminal made with New reads its input as a stream. Nothing is a
// terminal here, so there is no input to flush and no echo to turn off.

func isTerminal(uintptr) bool { return false }

func flushInput(uintptr) error { return nil }

func echoOff(uintptr) (func() error, error) {
	return nil, errors.New("terminal: echo control not supported on this system")
}
