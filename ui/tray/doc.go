// Package tray is Zavera's icon and menu in the desktop's tray: the
// status (running or paused, tokens present), the approved sites, open
// the main window, pause and resume signing, quit.
//
// # Rules
//
// The tray speaks the StatusNotifierItem protocol over the D-Bus session
// bus (through fyne.io/systray) and needs no GL and no window, so that the
// agent stays small while it waits. Without a session bus there is no
// tray: Start returns ErrNoSessionBus and the agent runs without one
// (Fyne's own tray panics on quit in that case, fyne-io/fyne#6403, which
// is why the bus is checked first).
//
// # Concurrency
//
// There is one tray per process: Start succeeds once. A *Tray's methods
// are safe for concurrent use; menu callbacks run on a goroutine of the
// tray's and must not block for long.
package tray
