package tray

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"

	"github.com/zavera/zavera/ui/i18n"
)

// Errors.
var (
	// ErrNoSessionBus means the desktop has no D-Bus session bus, hence
	// no tray.
	ErrNoSessionBus = errors.New("tray: no D-Bus session bus")
	// ErrStarted is a second Start in one process.
	ErrStarted = errors.New("tray: already started")
	// ErrNoTray means the system did not take the icon (Windows: no
	// notification area answered).
	ErrNoTray = errors.New("tray: the notification area did not take the icon")
)

// maxSites is how many approved sites the menu lists.
const maxSites = 15

// Menu says what the tray's menu does.
type Menu struct {
	Lang i18n.Lang
	// Open opens the main window.
	Open func()
	// Pause is called with true to pause signing, false to resume.
	Pause func(paused bool)
	// Quit stops the agent.
	Quit func()
}

// Tray is the running tray icon.
type Tray struct {
	m    Menu
	end  func()
	stop chan struct{}

	mu     sync.Mutex
	paused bool
	tokens int
	sites  []string

	status, sitesItem, open, pause, quit *systray.MenuItem
	siteItems                            []*systray.MenuItem
	noSites                              *systray.MenuItem
	ready                                chan struct{}
}

var (
	startMu sync.Mutex
	started bool
)

// SessionBus checks that a D-Bus session bus answers.
func SessionBus() error {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return fmt.Errorf("%w: DBUS_SESSION_BUS_ADDRESS is not set", ErrNoSessionBus)
	}
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoSessionBus, err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return fmt.Errorf("%w: %w", ErrNoSessionBus, err)
	}
	if err := conn.Hello(); err != nil {
		return fmt.Errorf("%w: %w", ErrNoSessionBus, err)
	}
	return nil
}

// Start shows the tray icon and its menu. It returns ErrNoSessionBus
// when the desktop needs a session bus for its tray and has none.
func Start(m Menu) (*Tray, error) {
	if needsSessionBus(runtime.GOOS) {
		if err := SessionBus(); err != nil {
			return nil, err
		}
	}
	startMu.Lock()
	defer startMu.Unlock()
	if started {
		return nil, ErrStarted
	}
	started = true
	t := &Tray{m: m, stop: make(chan struct{}), ready: make(chan struct{})}
	end, err := run(t.build, t.ready)
	if err != nil {
		return nil, err
	}
	t.end = end
	return t, nil
}

// needsSessionBus reports whether the tray of the system goos is a
// StatusNotifierItem on the D-Bus session bus: everywhere but Windows,
// whose notification area systray drives through Shell_NotifyIcon.
func needsSessionBus(goos string) bool { return goos != "windows" }

// build makes the menu; systray calls it once the icon is registered.
func (t *Tray) build() {
	l := t.m.Lang
	systray.SetIcon(trayIcon())
	systray.SetTitle("Zavera")
	t.status = systray.AddMenuItem(l.T(i18n.TrayRunning), "")
	t.status.Disable()
	systray.AddSeparator()
	t.sitesItem = systray.AddMenuItem(l.T(i18n.TraySites), "")
	t.noSites = t.sitesItem.AddSubMenuItem(l.T(i18n.TrayNoSites), "")
	t.noSites.Disable()
	for range maxSites {
		it := t.sitesItem.AddSubMenuItem("", "")
		it.Disable()
		it.Hide()
		t.siteItems = append(t.siteItems, it)
	}
	t.open = systray.AddMenuItem(l.T(i18n.TrayOpen), "")
	t.pause = systray.AddMenuItem(l.T(i18n.TrayPause), "")
	systray.AddSeparator()
	t.quit = systray.AddMenuItem(l.T(i18n.TrayQuit), "")
	t.mu.Lock()
	t.refreshLocked()
	t.mu.Unlock()
	go t.loop()
	close(t.ready)
}

func (t *Tray) loop() {
	for {
		select {
		case <-t.open.ClickedCh:
			if t.m.Open != nil {
				t.m.Open()
			}
		case <-t.pause.ClickedCh:
			t.mu.Lock()
			t.paused = !t.paused
			p := t.paused
			t.refreshLocked()
			t.mu.Unlock()
			if t.m.Pause != nil {
				t.m.Pause(p)
			}
		case <-t.quit.ClickedCh:
			if t.m.Quit != nil {
				t.m.Quit()
			}
		case <-t.stop:
			return
		}
	}
}

// SetTokens shows how many tokens are present.
func (t *Tray) SetTokens(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tokens = n
	t.refreshLocked()
}

// SetSites lists the approved sites.
func (t *Tray) SetSites(sites []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sites = append([]string(nil), sites...)
	t.refreshLocked()
}

// Paused reports whether signing is paused from the menu.
func (t *Tray) Paused() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.paused
}

func (t *Tray) refreshLocked() {
	l := t.m.Lang
	status := l.T(i18n.TrayRunning)
	pause := l.T(i18n.TrayPause)
	if t.paused {
		status, pause = l.T(i18n.TrayPaused), l.T(i18n.TrayResume)
	}
	status += " · " + l.N(i18n.TrayTokens, t.tokens)
	t.status.SetTitle(status)
	t.pause.SetTitle(pause)
	systray.SetTooltip(status)
	if len(t.sites) == 0 {
		t.noSites.Show()
	} else {
		t.noSites.Hide()
	}
	for i, it := range t.siteItems {
		if i < len(t.sites) {
			it.SetTitle(t.sites[i])
			it.Show()
		} else {
			it.Hide()
		}
	}
}

// Stop removes the icon. It is safe to call more than once.
func (t *Tray) Stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	select {
	case <-t.stop:
		return
	default:
	}
	close(t.stop)
	t.end()
}
