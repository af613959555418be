package p11source

import (
	"log/slog"
	"sync"
	"time"

	"github.com/zavera/zavera/pkcs11"
)

// Lock logs every token out at once, whatever keys are open: the screen
// locked, the user's session is ending or the computer goes to sleep. The
// next signature asks for the PIN again; a batch that is signing asks for
// it before its next document. reason goes to the log.
func (s *Source) Lock(reason string) { s.idle.lockAll(reason) }

// idleLogout logs a token out once no key of it has been open for a
// while, and every token on Lock. A key is open from OpenKey to Close, so
// a request that signs (a batch included) never loses its login to the
// idle time: the time counts from the moment the token's last open key
// closes.
//
// Its mutex is held across the logout itself, so that a request opening
// a key of the token at that moment waits for the logout to end and then
// logs in again, instead of losing the login between two signatures.
type idleLogout struct {
	m     *pkcs11.Manager
	after time.Duration
	log   *slog.Logger

	mu   sync.Mutex
	toks map[string]*tokenUse
	seq  uint64 // numbers holds and releases; a timer acts only for its own
}

// tokenUse is one token's open keys and idle timer.
type tokenUse struct {
	open  int
	timer *time.Timer
	seq   uint64
}

func (l *idleLogout) init(m *pkcs11.Manager, opts Options) {
	l.m, l.after, l.log = m, opts.IdleLogout, opts.Log
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.toks = map[string]*tokenUse{}
}

// hold records a key of the token opened and returns the function that
// records it closed; calling that more than once is harmless.
func (l *idleLogout) hold(tokenID string) func() {
	l.mu.Lock()
	u := l.toks[tokenID]
	if u == nil {
		u = &tokenUse{}
		l.toks[tokenID] = u
	}
	u.open++
	l.seq++
	u.seq = l.seq
	if u.timer != nil {
		u.timer.Stop()
		u.timer = nil
	}
	l.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { l.release(tokenID) }) }
}

// release records a key closed and starts the idle time when it was the
// token's last open key.
func (l *idleLogout) release(tokenID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.toks[tokenID]
	if u == nil {
		return
	}
	u.open--
	l.seq++
	u.seq = l.seq
	if u.open > 0 {
		return
	}
	if l.after <= 0 {
		delete(l.toks, tokenID)
		return
	}
	seq := u.seq
	u.timer = time.AfterFunc(l.after, func() { l.expire(tokenID, seq) })
}

// expire logs the token out when nothing opened a key of it since the
// timer started.
func (l *idleLogout) expire(tokenID string, seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.toks[tokenID]
	if u == nil || u.seq != seq || u.open > 0 {
		return
	}
	delete(l.toks, tokenID)
	if l.m.Logout(tokenID) {
		l.log.Info("token logged out after idle time", "token", tokenID, "idle", l.after)
	}
}

// lockAll logs every token out and stops the idle timers; keys still
// open start them again when they close.
func (l *idleLogout) lockAll(reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, u := range l.toks {
		if u.timer != nil {
			u.timer.Stop()
			u.timer = nil
		}
		l.seq++
		u.seq = l.seq
		if u.open == 0 {
			delete(l.toks, id)
		}
	}
	for _, id := range l.m.LogoutAll() {
		l.log.Info("token logged out", "token", id, "reason", reason)
	}
}
