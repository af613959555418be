package agent

import (
	"fmt"
	"sync"
)

// slots shares the connection table (Limits.MaxConnections, M) among
// origins, so that no site can take it all:
//
//   - an approved origin has at most M/8 connections (32 of 256);
//   - an origin that is not approved has at most M/32 (8), and such
//     origins together at most M/2 (128): the other half stays for
//     approved origins whatever the others do;
//   - each share is at least one connection, and an approved origin's
//     at least four (or M, if smaller).
//
// Whether an origin is approved is asked at each admission, for the
// newcomer and for the origins already counted, so that an origin
// approved (or revoked) while its connections are open counts as it is
// now. Connections of an origin that is not approved are closed when
// they stay idle (see conn.watchIdle), which frees their places.
// Safe for concurrent use.
type slots struct {
	max                      int
	perOrigin, perUnapproved int
	unapproved               int
	// approvals returns whether origins are approved now, the file of
	// approvals read once for all of them.
	approvals func() func(origin string) bool

	mu       sync.Mutex
	total    int
	byOrigin map[string]int
}

func newSlots(maxConns int, approvals func() func(string) bool) *slots {
	return &slots{
		max:           maxConns,
		perOrigin:     max(maxConns/8, min(maxConns, 4)),
		perUnapproved: max(1, maxConns/32),
		unapproved:    max(1, maxConns/2),
		approvals:     approvals,
		byOrigin:      map[string]int{},
	}
}

// take admits one connection of origin and returns the function that
// frees its place, or an error wrapping ErrBusy that says which share
// is full.
func (s *slots) take(origin string) (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total >= s.max {
		return nil, fmt.Errorf("%w: all %d connections in use", ErrBusy, s.max)
	}
	n := s.byOrigin[origin]
	approved := s.approvals()
	if approved(origin) {
		if n >= s.perOrigin {
			return nil, fmt.Errorf("%w: the origin has its %d connections", ErrBusy, s.perOrigin)
		}
	} else {
		if n >= s.perUnapproved {
			return nil, fmt.Errorf("%w: the origin is not approved and has its %d connections", ErrBusy, s.perUnapproved)
		}
		others := 0
		for o, k := range s.byOrigin {
			if !approved(o) {
				others += k
			}
		}
		if others >= s.unapproved {
			return nil, fmt.Errorf("%w: origins not approved have their %d connections", ErrBusy, s.unapproved)
		}
	}
	s.byOrigin[origin] = n + 1
	s.total++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.byOrigin[origin]--; s.byOrigin[origin] == 0 {
			delete(s.byOrigin, origin)
		}
		s.total--
	}, nil
}

// approvedNow returns a function that reports whether an origin is
// approved, as Server.approved does, with the approvals file checked
// once for all the calls.
func (s *Server) approvedNow() func(origin string) bool {
	a := s.approvals
	a.mu.Lock()
	a.refreshLocked()
	m := make(map[string]bool, len(a.m))
	for o := range a.m {
		m[o] = true
	}
	a.mu.Unlock()
	return func(origin string) bool { return s.policy.preapproved[origin] || m[origin] }
}
