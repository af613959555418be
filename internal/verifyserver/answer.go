package verifyserver

import (
	"net/http"
	"sync"
	"time"
)

// answer is the answer to a request whose signature is being checked.
// The check runs on the request's own goroutine (net/http's goroutine of
// the connection, which keeps the stack a validation grew from one
// request to the next) and cannot be interrupted: validate.Validate takes
// no context. So two parties may answer: the request's goroutine when the
// check ends, or a timer's goroutine at once when the request's deadline
// passes or its client goes away first. The first to claim the answer
// writes it; the other leaves it alone.
//
// An answer given before the check ends (504 "timeout") takes the
// connection over from net/http and closes it once written (see
// record.hangUp), since the request's goroutine, still checking, would
// hold up any further request on it. The check keeps its slot until it
// ends, so abandoned work cannot pile up; its result is dropped.
type answer struct {
	w   http.ResponseWriter
	rec *record

	mu      sync.Mutex
	claimed bool
}

// claim reports whether the caller, the request's goroutine, answers:
// false when an early answer was given. It returns only once that answer
// is written, after which the record holds it.
func (a *answer) claim() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.claimed {
		return false
	}
	a.claimed = true
	return true
}

// abandon answers 504 "timeout" with detail for the log, unless the
// answer is claimed.
func (a *answer) abandon(detail error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.claimed {
		return
	}
	a.claimed = true
	a.rec.at = time.Now()
	a.rec.hangUp(a.w, codeTimeout, detail)
}
