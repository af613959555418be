// Package childproc prepares the processes Zavera starts (the window
// program zavera-ui, `zavera doctor` for the Diagnostics tab) the way
// each system wants them.
//
// On Windows a console program started by a program without a console
// (the agent started from the Run key, zavera-ui) gets a console window
// of its own, which flashes up and away; NoConsole starts it with
// CREATE_NO_WINDOW instead: it still has a console for its standard
// handles, but no window. Elsewhere NoConsole changes nothing.
//
// Call NoConsole before cmd.Start; it is safe for concurrent use on
// different commands.
package childproc

import "os/exec"

// NoConsole makes cmd start without a console window, keeping whatever
// else its SysProcAttr asks for, and returns cmd.
func NoConsole(cmd *exec.Cmd) *exec.Cmd {
	noConsole(cmd)
	return cmd
}
