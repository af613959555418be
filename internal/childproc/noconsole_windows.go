//go:build windows

package childproc

import (
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// noConsole sets CREATE_NO_WINDOW, which Windows applies to console
// programs only. It does not set HideWindow: that would hand SW_HIDE to
// the first window a GUI program such as zavera-ui shows.
func noConsole(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_NO_WINDOW
}
