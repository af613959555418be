// Package sessionlock tells the agent when the user steps away: the
// screen locks, the user's session ends or the computer goes to sleep.
// The agent then logs every token out, so that a token left in the
// computer cannot sign for whoever sits down next without its PIN.
//
// # Sources
//
// On Linux, two D-Bus buses are watched, each when it can be reached:
//
//   - the system bus, for systemd-logind (org.freedesktop.login1): the
//     Lock signal of the agent's own session and its LockedHint turning
//     true, the session's removal (SessionRemoved) and PrepareForSleep;
//   - the session bus, for the screen savers' ActiveChanged(true) signal
//     (org.freedesktop.ScreenSaver, which KDE and others send, and
//     org.gnome.ScreenSaver, org.mate.ScreenSaver,
//     org.cinnamon.ScreenSaver). A session bus that goes away counts as
//     the session ending.
//
// The agent's session is the one logind gives for its process, else the
// one XDG_SESSION_ID names, else the user's display session (an agent
// started as a systemd user service belongs to no session).
//
// Events only ever lead to a logout, the safe direction, so their sender
// is not checked beyond what the bus's match rules do: a process that
// could send them could at most make the user type the PIN again.
//
// On Windows, a message-only window (class ZaveraSessionLock) receives
// the session's notices, subscribed with WTSRegisterSessionNotification
// for this session only: WTS_SESSION_LOCK, and WTS_CONSOLE_DISCONNECT and
// WTS_REMOTE_DISCONNECT (the session lives on with nobody at it, as
// behind a lock) are Locked, WTS_SESSION_LOGOFF is Ended. A message-only
// window gets no broadcast, so the sleep notice (WM_POWERBROADCAST with
// PBT_APMSUSPEND) is asked for with RegisterSuspendResumeNotification
// (Windows 8 and later; where it fails, sleep alone is not watched). Any
// process on the desktop can post to the window; as on Linux, that can
// only cause a logout, and the window cannot be closed or stopped from
// outside.
//
// macOS is not watched yet: Watch returns ErrUnsupported there and only
// the idle logout applies.
//
// # Concurrency
//
// On Linux, Watch starts one goroutine per bus; fn is called from them,
// one event at a time per bus. On Windows, it starts one goroutine locked
// to an OS thread of its own (never the main thread) that makes the
// window and runs its message loop; fn is called from it, one event at a
// time, and the sleep notice is answered once fn returns (Windows allows
// about two seconds for it). Either way fn must not block for long nor
// call stop.
// stop ends the goroutines (on Windows: unsubscribes, destroys the window
// and ends the thread) and returns once fn is no longer called; a second
// call does nothing, and Watch may be called again.
package sessionlock

import "errors"

// Event is what the system reported.
type Event int

// Events.
const (
	// Locked: the screen locked (or the screen saver started).
	Locked Event = iota + 1
	// Ended: the user's session is ending.
	Ended
	// Sleep: the computer is about to sleep or hibernate.
	Sleep
)

func (e Event) String() string {
	switch e {
	case Locked:
		return "screen locked"
	case Ended:
		return "session ended"
	case Sleep:
		return "going to sleep"
	}
	return "unknown event"
}

// ErrUnsupported means this system offers no notification Watch knows.
var ErrUnsupported = errors.New("sessionlock: screen lock notifications are not supported on this system")

// ErrUnavailable means none of the sources could be reached (no system
// or session bus).
var ErrUnavailable = errors.New("sessionlock: no screen lock notifications available")
