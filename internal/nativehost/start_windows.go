package nativehost

import (
	"os"
	"os/exec"
	"syscall"
)

// Process creation flags (winbase.h).
const (
	detachedProcess        = 0x00000008
	createNewProcessGroup  = 0x00000200
	createBreakawayFromJob = 0x01000000
)

// StartDetached starts exe with args outside the browser's job object
// (Chrome puts native hosts in a job that ends with the host but lets
// them break away), with no console and nothing on the host's stdin and
// stdout, which belong to the browser's frames.
func StartDetached(exe string, args ...string) error {
	err := start(exe, args, detachedProcess|createNewProcessGroup|createBreakawayFromJob)
	if err != nil {
		// A job that does not allow breaking away refuses the flag.
		err = start(exe, args, detachedProcess|createNewProcessGroup)
	}
	return err
}

func start(exe string, args []string, flags uint32) error {
	cmd := exec.Command(exe, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: flags}
	cmd.Dir = os.TempDir()
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
