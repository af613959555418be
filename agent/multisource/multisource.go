// Package multisource joins several agent.TokenSources into one: the
// product serves PKCS#11 tokens and software keys side by side.
//
// Tokens and certificates are the sources' lists one after the other, in
// the order the sources were given. A source whose listing fails is left
// out of that listing (the error is returned only when every source
// failed), so that a broken PKCS#11 module does not hide the key files.
// OpenKey asks the source that listed the certificate last; a certificate
// not seen yet makes it list them again. Token IDs must not collide across
// sources (the software key source prefixes its own).
//
// A *Source is safe for concurrent use when its sources are.
package multisource

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/zavera/zavera/agent"
)

// Source is the union of several token sources.
type Source struct {
	srcs []agent.TokenSource

	mu    sync.Mutex
	owner map[string]agent.TokenSource // certificate ID -> source
}

// New joins srcs; nil entries are skipped.
func New(srcs ...agent.TokenSource) *Source {
	s := &Source{owner: map[string]agent.TokenSource{}}
	for _, x := range srcs {
		if x != nil {
			s.srcs = append(s.srcs, x)
		}
	}
	return s
}

// Tokens lists every source's tokens.
func (s *Source) Tokens(ctx context.Context) ([]agent.Token, error) {
	out := []agent.Token{}
	var errs []error
	for _, x := range s.srcs {
		t, err := x.Tokens(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, t...)
	}
	if len(errs) == len(s.srcs) && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Certificates lists every source's certificates and remembers which
// source holds each.
func (s *Source) Certificates(ctx context.Context) ([]agent.Certificate, error) {
	out := []agent.Certificate{}
	owner := map[string]agent.TokenSource{}
	var errs []error
	for _, x := range s.srcs {
		cs, err := x.Certificates(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, c := range cs {
			if _, dup := owner[c.ID]; !dup {
				owner[c.ID] = x
			}
		}
		out = append(out, cs...)
	}
	if len(errs) == len(s.srcs) && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s.mu.Lock()
	s.owner = owner
	s.mu.Unlock()
	return out, nil
}

// OpenKey opens the key at the source that lists the certificate.
func (s *Source) OpenKey(ctx context.Context, certID string, pin agent.PINFunc) (agent.Key, error) {
	s.mu.Lock()
	x := s.owner[certID]
	s.mu.Unlock()
	if x == nil {
		if _, err := s.Certificates(ctx); err != nil {
			return nil, err
		}
		s.mu.Lock()
		x = s.owner[certID]
		s.mu.Unlock()
	}
	if x == nil {
		return nil, fmt.Errorf("%w: %q", agent.ErrCertificateNotFound, certID)
	}
	return x.OpenKey(ctx, certID, pin)
}

// Subscribe subscribes fn to every source.
func (s *Source) Subscribe(fn func(agent.TokenEvent)) func() {
	stops := make([]func(), 0, len(s.srcs))
	for _, x := range s.srcs {
		stops = append(stops, x.Subscribe(fn))
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}

var _ agent.TokenSource = (*Source)(nil)
