package main

import (
	"errors"
	"log/slog"

	"github.com/zavera/zavera/agent/p11source"
	"github.com/zavera/zavera/agent/sessionlock"
)

// watchSessionLock logs the tokens of src out whenever the screen locks,
// the session ends or the computer goes to sleep, and returns the
// function that stops watching. Where the system cannot tell, only the
// idle logout applies, and the log says so.
func watchSessionLock(src *p11source.Source, log *slog.Logger) (stop func()) {
	stop, err := sessionlock.Watch(func(e sessionlock.Event) { src.Lock(e.String()) }, log)
	switch {
	case errors.Is(err, sessionlock.ErrUnsupported):
		log.Info("tokens are not logged out when the screen locks on this system; the idle logout applies")
		return func() {}
	case err != nil:
		log.Warn("tokens will not be logged out when the screen locks", "err", err)
		return func() {}
	}
	return stop
}
