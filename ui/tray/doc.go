// Package tray is Zavera's icon and menu in the desktop's tray: the
// status (running or paused, tokens present), the approved sites, open
// the main window, pause and resume signing, quit.
//
// # Rules
//
// On Linux and the BSDs the tray speaks the StatusNotifierItem protocol
// over the D-Bus session bus (through fyne.io/systray) and needs no GL and
// no window, so that the agent stays small while it waits. Without a
// session bus there is no tray: Start returns ErrNoSessionBus and the
// agent runs without one (Fyne's own tray panics on quit in that case,
// fyne-io/fyne#6403, which is why the bus is checked first).
//
// On Windows systray puts the icon in the notification area through
// Shell_NotifyIcon, with a hidden window of its own that gets the menu's
// clicks; no bus is needed. That window and its message loop run on one
// locked thread that Start starts (see run_windows.go). Notify shows the
// icon's balloon there (Shell_NotifyIcon with NIF_INFO, which Windows 10
// and 11 show as a toast), so it needs the tray icon and returns
// ErrNoTray without one; elsewhere it asks the D-Bus notification
// service.
//
// # Concurrency
//
// There is one tray per process: Start succeeds once. A *Tray's methods
// are safe for concurrent use; menu callbacks run on a goroutine of the
// tray's and must not block for long.
package tray
