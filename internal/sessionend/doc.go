// Package sessionend ends the agent cleanly when Windows logs the user
// off or shuts down, or when someone asks its process to close.
//
// zavera.exe runs as a GUI-subsystem program with no console, so the
// console control events that Go turns into SIGTERM (Ctrl-C, closing
// the console, log-off and shutdown for console programs) do not reach
// it. Windows tells GUI programs through their top-level windows
// instead: WM_QUERYENDSESSION and WM_ENDSESSION at log-off and shutdown,
// WM_CLOSE from `taskkill` without /F and from the installer. Watch
// makes a hidden top-level window (a message-only window would get none
// of these broadcasts) whose messages call cancel, as SIGTERM does on
// Linux.
//
// Windows ends the process once WM_ENDSESSION returns, so the window's
// handler waits, up to EndWait, until the function Watch returned is
// called: serve calls it after its journal is closed. WM_QUERYENDSESSION
// never vetoes the end of the session.
//
// # Threading
//
// The window and its message loop live on one locked OS thread of their
// own, started by Watch (a window's messages reach only the thread that
// made it). Watch may be called more than once, each with its own
// window; the returned stop function may be called from any goroutine,
// more than once. Elsewhere than Windows, Watch does nothing.
package sessionend

import "time"

// EndWait bounds how long the end of a session waits for the agent to
// finish: Windows shows its "apps are preventing shutdown" screen after
// about 5 seconds.
const EndWait = 4 * time.Second

// Watch calls cancel when the session ends or the process is asked to
// close. stop waits for nothing; call it once the agent has finished
// (journal closed), and the session may then end.
func Watch(cancel func()) (stop func(), err error) { return watch(cancel) }
