//go:build windows

package console

import (
	"os"

	"golang.org/x/sys/windows"
)

var attachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

// attachParentProcess is ATTACH_PARENT_PROCESS, (DWORD)-1.
const attachParentProcess = ^uint32(0)

// missing tells whether the standard handle id is absent.
func missing(id uint32) bool {
	h, err := windows.GetStdHandle(id)
	return err != nil || h == 0 || h == windows.InvalidHandle
}

func attachParent() bool {
	in, out, errOut := missing(windows.STD_INPUT_HANDLE), missing(windows.STD_OUTPUT_HANDLE), missing(windows.STD_ERROR_HANDLE)
	if !in && !out && !errOut {
		return false
	}
	if ok, _, _ := attachConsole.Call(uintptr(attachParentProcess)); ok == 0 {
		// Started by a program without a console (Explorer, the Run
		// key): there is nowhere to print.
		return false
	}
	if in {
		if f, err := os.OpenFile("CONIN$", os.O_RDWR, 0); err == nil {
			windows.SetStdHandle(windows.STD_INPUT_HANDLE, windows.Handle(f.Fd()))
			os.Stdin = f
		}
	}
	if out || errOut {
		if f, err := os.OpenFile("CONOUT$", os.O_RDWR, 0); err == nil {
			if out {
				windows.SetStdHandle(windows.STD_OUTPUT_HANDLE, windows.Handle(f.Fd()))
				os.Stdout = f
			}
			if errOut {
				windows.SetStdHandle(windows.STD_ERROR_HANDLE, windows.Handle(f.Fd()))
				os.Stderr = f
			}
		}
	}
	return true
}
