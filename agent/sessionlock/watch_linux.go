//go:build linux

package sessionlock

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/godbus/dbus/v5"
)

const (
	login1Name      = "org.freedesktop.login1"
	login1Path      = dbus.ObjectPath("/org/freedesktop/login1")
	login1Manager   = "org.freedesktop.login1.Manager"
	login1Session   = "org.freedesktop.login1.Session"
	login1User      = "org.freedesktop.login1.User"
	propertiesIface = "org.freedesktop.DBus.Properties"
)

// screenSavers are the interfaces whose ActiveChanged(true) means the
// screen saver (and with it, usually, the lock) came on.
var screenSavers = []string{
	"org.freedesktop.ScreenSaver",
	"org.gnome.ScreenSaver",
	"org.mate.ScreenSaver",
	"org.cinnamon.ScreenSaver",
}

// Watch calls fn for each lock, session end or sleep reported on the
// system and session buses until stop is called. It fails with
// ErrUnavailable only when neither bus can be watched; a bus that cannot
// be is logged.
func Watch(fn func(Event), log *slog.Logger) (stop func(), err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &watcher{fn: fn, log: log}
	var errs []error
	if err := w.system(); err != nil {
		errs = append(errs, fmt.Errorf("system bus: %w", err))
	}
	if err := w.session(); err != nil {
		errs = append(errs, fmt.Errorf("session bus: %w", err))
	}
	if len(w.conns) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, errors.Join(errs...))
	}
	for _, err := range errs {
		log.Info("screen lock: a source is not watched", "err", err)
	}
	return w.stop, nil
}

type watcher struct {
	fn  func(Event)
	log *slog.Logger

	mu      sync.Mutex
	stopped bool
	conns   []*dbus.Conn
	wg      sync.WaitGroup
}

func (w *watcher) stop() {
	w.mu.Lock()
	w.stopped = true
	conns := w.conns
	w.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	w.wg.Wait()
}

// run reads the signals of c, turns them into events with classify and,
// when the connection is lost while watching, reports onLoss (if any).
func (w *watcher) run(c *dbus.Conn, classify func(*dbus.Signal) Event, onLoss Event) {
	ch := make(chan *dbus.Signal, 16)
	c.Signal(ch)
	w.conns = append(w.conns, c)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for s := range ch {
			if e := classify(s); e != 0 {
				w.fn(e)
			}
		}
		w.mu.Lock()
		stopped := w.stopped
		w.mu.Unlock()
		if !stopped {
			w.log.Info("screen lock: a bus connection was lost")
			if onLoss != 0 {
				w.fn(onLoss)
			}
		}
	}()
}

// system watches systemd-logind: the agent's session (when it has one)
// and the sleep notice.
func (w *watcher) system() error {
	c, err := dbus.ConnectSystemBus()
	if err != nil {
		return err
	}
	sess, err := ownSession(c)
	if err != nil {
		w.log.Info("screen lock: no login session found; only sleep is watched on the system bus", "err", err)
	}
	rules := [][]dbus.MatchOption{
		{dbus.WithMatchSender(login1Name), dbus.WithMatchObjectPath(login1Path),
			dbus.WithMatchInterface(login1Manager), dbus.WithMatchMember("PrepareForSleep")},
	}
	if sess != "" {
		rules = append(rules,
			[]dbus.MatchOption{dbus.WithMatchSender(login1Name), dbus.WithMatchObjectPath(sess),
				dbus.WithMatchInterface(login1Session), dbus.WithMatchMember("Lock")},
			[]dbus.MatchOption{dbus.WithMatchSender(login1Name), dbus.WithMatchObjectPath(sess),
				dbus.WithMatchInterface(propertiesIface), dbus.WithMatchMember("PropertiesChanged")},
			[]dbus.MatchOption{dbus.WithMatchSender(login1Name), dbus.WithMatchObjectPath(login1Path),
				dbus.WithMatchInterface(login1Manager), dbus.WithMatchMember("SessionRemoved")},
		)
	}
	for _, r := range rules {
		if err := c.AddMatchSignal(r...); err != nil {
			c.Close()
			return err
		}
	}
	w.run(c, func(s *dbus.Signal) Event { return classifySystem(s, sess) }, 0)
	return nil
}

// ownSession finds the logind session of this process: by its PID, else
// by XDG_SESSION_ID, else the user's display session.
func ownSession(c *dbus.Conn) (dbus.ObjectPath, error) {
	m := c.Object(login1Name, login1Path)
	var p dbus.ObjectPath
	err := m.Call(login1Manager+".GetSessionByPID", 0, uint32(os.Getpid())).Store(&p)
	if err == nil && p.IsValid() {
		return p, nil
	}
	if id := os.Getenv("XDG_SESSION_ID"); id != "" {
		if e := m.Call(login1Manager+".GetSession", 0, id).Store(&p); e == nil && p.IsValid() {
			return p, nil
		}
	}
	var user dbus.ObjectPath
	if e := m.Call(login1Manager+".GetUser", 0, uint32(os.Getuid())).Store(&user); e != nil {
		return "", errors.Join(err, e)
	}
	v, e := c.Object(login1Name, user).GetProperty(login1User + ".Display")
	if e != nil {
		return "", errors.Join(err, e)
	}
	// Display is (so): the session's ID and object path.
	if d, ok := v.Value().([]any); ok && len(d) == 2 {
		if p, ok := d[1].(dbus.ObjectPath); ok && p.IsValid() && p != "/" {
			return p, nil
		}
	}
	return "", errors.Join(err, errors.New("the user has no display session"))
}

// classifySystem turns a logind signal into an event; 0 for the others.
func classifySystem(s *dbus.Signal, sess dbus.ObjectPath) Event {
	switch s.Name {
	case login1Manager + ".PrepareForSleep":
		if len(s.Body) == 1 && s.Body[0] == true {
			return Sleep
		}
	case login1Manager + ".SessionRemoved":
		if sess != "" && len(s.Body) == 2 && s.Body[1] == sess {
			return Ended
		}
	case login1Session + ".Lock":
		if sess != "" && s.Path == sess {
			return Locked
		}
	case propertiesIface + ".PropertiesChanged":
		if sess == "" || s.Path != sess || len(s.Body) < 2 || s.Body[0] != login1Session {
			return 0
		}
		if ch, ok := s.Body[1].(map[string]dbus.Variant); ok {
			if v, ok := ch["LockedHint"]; ok && v.Value() == true {
				return Locked
			}
		}
	}
	return 0
}

// session watches the screen savers on the session bus. Losing that bus
// means the session is ending.
func (w *watcher) session() error {
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		// No address: the bus systemd starts per user, if any. Never
		// start a bus of one's own (dbus-launch).
		p := filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "bus")
		if os.Getenv("XDG_RUNTIME_DIR") == "" {
			return errors.New("no session bus address")
		}
		if _, err := os.Stat(p); err != nil {
			return err
		}
		addr = "unix:path=" + p
	}
	c, err := dbus.Connect(addr)
	if err != nil {
		return err
	}
	for _, iface := range screenSavers {
		if err := c.AddMatchSignal(dbus.WithMatchInterface(iface), dbus.WithMatchMember("ActiveChanged")); err != nil {
			c.Close()
			return err
		}
	}
	w.run(c, classifySession, Ended)
	return nil
}

// classifySession turns a screen saver's ActiveChanged(true) into Locked.
func classifySession(s *dbus.Signal) Event {
	for _, iface := range screenSavers {
		if s.Name == iface+".ActiveChanged" && len(s.Body) == 1 && s.Body[0] == true {
			return Locked
		}
	}
	return 0
}
