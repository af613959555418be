package pkcs11

import (
	"sync"
	"time"
)

// EventKind says what happened to a token.
type EventKind int

// Event kinds.
const (
	TokenInserted EventKind = iota + 1
	TokenRemoved
	CertificatesChanged
)

func (k EventKind) String() string {
	switch k {
	case TokenInserted:
		return "token inserted"
	case TokenRemoved:
		return "token removed"
	case CertificatesChanged:
		return "certificates changed"
	}
	return "unknown event"
}

// Event is a change on a token.
type Event struct {
	Kind  EventKind
	Token Token
}

// watcher looks at the slots when a module reports a slot event
// (C_WaitForSlotEvent) and on a timer, sleeping in between (no busy
// loop), and turns the differences into events.
type watcher struct {
	m     *Manager
	ch    chan Event
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once
	every time.Duration
}

// Events returns the channel of token events. The first call starts
// watching: the tokens present then are reported as TokenInserted. The
// channel is closed by Close. Every call returns the same channel: there
// is one consumer.
func (m *Manager) Events() <-chan Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.events != nil {
		return m.events.ch
	}
	every := m.opts.PollInterval
	if every <= 0 {
		every = 2 * time.Second
	}
	w := &watcher{m: m, ch: make(chan Event, 64), quit: make(chan struct{}), done: make(chan struct{}), every: every}
	m.events = w
	if m.closed {
		close(w.done)
		close(w.ch)
		return w.ch
	}
	go w.run()
	return w.ch
}

func (w *watcher) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.done
}

func (w *watcher) run() {
	defer close(w.done)
	defer close(w.ch)
	known := map[string]Token{}
	certs := map[string]string{}
	// Modules that report slot events wake the watcher at once; all are
	// also looked at on the timer (certificate changes are no slot event).
	kick := make(chan struct{}, 1)
	for _, mod := range w.m.mods {
		if mod.watch(kick) {
			defer mod.unwatch(kick)
		}
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-w.quit:
			return
		case <-timer.C:
		case <-kick:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
		if !w.look(known, certs) {
			return
		}
		timer.Reset(w.every)
	}
}

// look compares the slots with what was known and sends the events. It
// returns false when the watcher must stop.
func (w *watcher) look(known map[string]Token, certs map[string]string) bool {
	toks, _ := w.m.scan()
	now := map[string]bool{}
	for _, t := range toks {
		t.mu.Lock()
		info := t.info
		t.mu.Unlock()
		now[info.ID] = true
		if _, ok := known[info.ID]; !ok {
			known[info.ID] = info
			if !w.send(Event{TokenInserted, info}) {
				return false
			}
		}
		// A token busy signing is looked at next time round.
		if !t.mu.TryLock() {
			continue
		}
		t.mu.Unlock()
		set, err := t.certificateSet()
		if err != nil {
			continue
		}
		if prev, ok := certs[info.ID]; ok && prev != set {
			if !w.send(Event{CertificatesChanged, info}) {
				return false
			}
		}
		certs[info.ID] = set
	}
	for id, info := range known {
		if now[id] {
			continue
		}
		delete(known, id)
		delete(certs, id)
		if !w.send(Event{TokenRemoved, info}) {
			return false
		}
	}
	return true
}

func (w *watcher) send(e Event) bool {
	select {
	case w.ch <- e:
		return true
	case <-w.quit:
		return false
	}
}
