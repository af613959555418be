//go:build !windows

package nativehost

import (
	"os"
	"os/exec"
	"syscall"
)

// StartDetached starts exe with args in a session of its own, so that the
// browser ending the host (or its process group) leaves it running, with
// no terminal and nothing on the host's stdin and stdout, which belong to
// the browser's frames.
func StartDetached(exe string, args ...string) error {
	cmd := exec.Command(exe, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	cmd.Dir = os.TempDir()
	if err := cmd.Start(); err != nil {
		return err
	}
	// Reap it if it ends while the host runs.
	go cmd.Wait()
	return nil
}
