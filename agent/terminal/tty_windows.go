//go:build windows

package terminal

import (
	"fmt"
	"os"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"
)

// openTTY opens the console's input and output buffers, whatever the
// standard handles are redirected to.
func openTTY() (in, out *os.File, err error) {
	in, err = os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("terminal: no console: %w", err)
	}
	out, err = os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		in.Close()
		return nil, nil, fmt.Errorf("terminal: no console: %w", err)
	}
	return in, out, nil
}

// isTerminal reports whether fd is a console input handle.
func isTerminal(fd uintptr) bool {
	var mode uint32
	return windows.GetConsoleMode(windows.Handle(fd), &mode) == nil
}

// flushInput discards the console's pending input events, keys typed
// for a line not yet finished included.
func flushInput(fd uintptr) error {
	return windows.FlushConsoleInputBuffer(windows.Handle(fd))
}

// echoOff clears ENABLE_ECHO_INPUT on the console input fd; restore sets
// the mode back to what it was.
func echoOff(fd uintptr) (restore func() error, err error) {
	h := windows.Handle(fd)
	var old uint32
	if err := windows.GetConsoleMode(h, &old); err != nil {
		return nil, err
	}
	if err := windows.SetConsoleMode(h, old&^windows.ENABLE_ECHO_INPUT); err != nil {
		return nil, err
	}
	return func() error { return windows.SetConsoleMode(h, old) }, nil
}

// canWake: a console read is stopped by a key written into its input.
func canWake(*os.File) bool { return true }

// keyEvent is an INPUT_RECORD holding a KEY_EVENT_RECORD.
type keyEvent struct {
	eventType       uint16
	_               uint16
	keyDown         int32
	repeatCount     uint16
	virtualKeyCode  uint16
	virtualScanCode uint16
	unicodeChar     uint16
	controlKeyState uint32
}

const (
	keyEventType = 0x0001 // KEY_EVENT
	vkReturn     = 0x0D   // VK_RETURN
	scanReturn   = 0x1C
)

var writeConsoleInput = windows.NewLazySystemDLL("kernel32.dll").NewProc("WriteConsoleInputW")

// writeKeys writes key events into the console input f, each UTF-16
// unit as a press and a release.
func writeKeys(f *os.File, text string) error {
	var recs []keyEvent
	for _, r := range utf16.Encode([]rune(text)) {
		vk, scan := uint16(0), uint16(0)
		if r == '\r' {
			vk, scan = vkReturn, scanReturn
		}
		for _, down := range []int32{1, 0} {
			recs = append(recs, keyEvent{eventType: keyEventType, keyDown: down, repeatCount: 1,
				virtualKeyCode: vk, virtualScanCode: scan, unicodeChar: r})
		}
	}
	if len(recs) == 0 {
		return nil
	}
	var n uint32
	var cerr error
	if err := control2(f, func(fd uintptr) {
		ok, _, err := writeConsoleInput.Call(fd, uintptr(unsafe.Pointer(&recs[0])), uintptr(len(recs)), uintptr(unsafe.Pointer(&n)))
		if ok == 0 {
			cerr = err
		}
	}); err != nil {
		return err
	}
	return cerr
}

// control2 runs fn on f's handle.
func control2(f *os.File, fn func(fd uintptr)) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(fn)
}

// wake ends a console read waiting on f: an Enter finishes its line.
func wake(f *os.File) { writeKeys(f, "\r") }

// unwake has nothing to undo: the Enter's line has been read, or is
// discarded by the next question's flush.
func unwake(*os.File) {}
