//go:build !windows

package terminal

import (
	"fmt"
	"os"
	"time"
)

// openTTY opens the controlling terminal.
func openTTY() (in, out *os.File, err error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("terminal: no controlling terminal: %w", err)
	}
	return f, f, nil
}

// canWake tells whether a read on f can be stopped: a read deadline.
func canWake(f *os.File) bool { return f.SetReadDeadline(time.Time{}) == nil }

// wake stops a read on f.
func wake(f *os.File) { f.SetReadDeadline(time.Now()) }

// unwake lets reads on f wait again.
func unwake(f *os.File) { f.SetReadDeadline(time.Time{}) }
