//go:build !windows

package childproc

import "os/exec"

func noConsole(*exec.Cmd) {}
