// Package console gives a Windows GUI-subsystem program the console it
// was started from.
//
// zavera.exe is built as a GUI-subsystem program (-H=windowsgui), so that
// the agent started from the Run key, the Start menu or the installer
// opens no console window. Windows starts such a program without
// standard handles unless they are redirected; AttachParent, called
// first thing in main, attaches it to its parent's console when there is
// one (a command typed in cmd.exe or PowerShell) and points the
// standard handles that were missing at it, so that CLI commands print
// there. Handles that were given (a pipe, a file: `zavera doctor >
// out.txt`, the Diagnostics tab's pipe) are kept. Elsewhere AttachParent
// does nothing.
//
// Call AttachParent once, before anything reads os.Stdin or writes
// os.Stdout or os.Stderr; it is not safe for concurrent use.
package console

// AttachParent attaches the program to its parent's console when its
// standard handles are missing, and reports whether it did.
func AttachParent() bool { return attachParent() }
