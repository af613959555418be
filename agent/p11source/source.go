// Package p11source is the agent's token source over package pkcs11: the
// tokens and certificates of every PKCS#11 module loaded, keys as signers,
// PIN prompts and token events.
//
// # Rules
//
// Only certificates whose private key is on the token (or hidden until
// login) are offered to pages. A token logs in at its first signature
// (package pkcs11 keeps the login until the token is removed or the
// Manager's idle timeout), so the PIN is asked at most once per login.
// Errors of package pkcs11 are mapped to the agent's sentinels here, and
// only here: a removed token to agent.ErrTokenNotFound, a wrong PIN to an
// *agent.PINError with the tries left, a locked PIN to agent.ErrPINLocked,
// a cancelled PIN prompt to agent.ErrCancelled, an unknown certificate or
// key to agent.ErrCertificateNotFound. The original error stays in the
// chain for the log.
//
// # Concurrency and ownership
//
// A *Source is safe for concurrent use. It owns one goroutine that reads
// the Manager's events (package pkcs11 allows one consumer) and hands them
// to every subscriber. The caller keeps the Manager and closes it after
// the Source.
package p11source

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/pkcs11"
)

// Source serves a pkcs11.Manager's tokens to the agent.
type Source struct {
	m *pkcs11.Manager

	once sync.Once
	mu   sync.Mutex
	subs map[int]func(agent.TokenEvent)
	next int
}

// New wraps m.
func New(m *pkcs11.Manager) *Source {
	return &Source{m: m, subs: map[int]func(agent.TokenEvent){}}
}

func toToken(t pkcs11.Token) agent.Token {
	return agent.Token{ID: t.ID, Label: t.Label, Manufacturer: t.Manufacturer, Model: t.Model, Serial: t.Serial, PINLocked: t.PIN.Locked}
}

// Tokens lists the tokens present. A module that fails is left out when
// others answer.
func (s *Source) Tokens(context.Context) ([]agent.Token, error) {
	ts, err := s.m.Tokens()
	if err != nil && len(ts) == 0 {
		return nil, mapErr(err)
	}
	out := make([]agent.Token, 0, len(ts))
	for _, t := range ts {
		out = append(out, toToken(t))
	}
	return out, nil
}

// Certificates lists the certificates that have a private key.
func (s *Source) Certificates(context.Context) ([]agent.Certificate, error) {
	cs, err := s.m.Certificates()
	if err != nil && len(cs) == 0 {
		return nil, mapErr(err)
	}
	out := make([]agent.Certificate, 0, len(cs))
	seen := map[string]bool{}
	for _, c := range cs {
		if c.Key == pkcs11.KeyMissing || c.Cert == nil || seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		out = append(out, agent.Certificate{ID: c.ID, TokenID: c.Token.ID, Cert: c.Cert})
	}
	return out, nil
}

// OpenKey returns the certificate's key. The PIN is asked by pin when the
// token first needs a login, within ctx.
func (s *Source) OpenKey(ctx context.Context, certID string, pin agent.PINFunc) (agent.Key, error) {
	pf := func(r pkcs11.PINRequest) ([]byte, error) {
		p, err := pin(ctx, toToken(r.Token))
		if err != nil {
			return nil, err
		}
		defer p.Wipe()
		out := make([]byte, p.Len())
		copy(out, p.Bytes()) // package pkcs11 wipes it after C_Login
		return out, nil
	}
	k, err := s.m.Signer(certID, pf)
	if err != nil {
		return nil, mapErr(err)
	}
	return key{k}, nil
}

// Subscribe passes token events to fn.
func (s *Source) Subscribe(fn func(agent.TokenEvent)) func() {
	s.once.Do(func() { go s.pump() })
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.next
	s.next++
	s.subs[n] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.subs, n)
	}
}

// pump reads the Manager's events until it is closed.
func (s *Source) pump() {
	for e := range s.m.Events() {
		var kind agent.TokenEventKind
		switch e.Kind {
		case pkcs11.TokenInserted:
			kind = agent.TokenInserted
		case pkcs11.TokenRemoved:
			kind = agent.TokenRemoved
		case pkcs11.CertificatesChanged:
			kind = agent.CertificatesChanged
		default:
			continue
		}
		ev := agent.TokenEvent{Kind: kind, TokenID: e.Token.ID}
		s.mu.Lock()
		fns := make([]func(agent.TokenEvent), 0, len(s.subs))
		for _, f := range s.subs {
			fns = append(fns, f)
		}
		s.mu.Unlock()
		for _, f := range fns {
			f(ev)
		}
	}
}

// key is a token key; Close keeps the login for the next request.
type key struct{ k *pkcs11.Key }

func (k key) Public() crypto.PublicKey { return k.k.Public() }

func (k key) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := k.k.Sign(r, digest, opts)
	if err != nil {
		return nil, mapErr(err)
	}
	return sig, nil
}

func (key) Close() error { return nil }

// mapErr maps package pkcs11's errors to the agent's.
func mapErr(err error) error {
	var pe *pkcs11.PINError
	switch {
	case errors.As(err, &pe) && pe.TriesLeft != 0 && errors.Is(err, pkcs11.ErrPINIncorrect):
		return fmt.Errorf("%w (%w)", &agent.PINError{TriesLeft: pe.TriesLeft}, err)
	case errors.Is(err, pkcs11.ErrPINLocked), errors.As(err, &pe) && pe.TriesLeft == 0:
		return fmt.Errorf("%w: %w", agent.ErrPINLocked, err)
	case errors.Is(err, pkcs11.ErrPINIncorrect):
		return fmt.Errorf("%w (%w)", &agent.PINError{TriesLeft: -1}, err)
	case errors.Is(err, agent.ErrCancelled):
		return err
	case errors.Is(err, pkcs11.ErrCancelled):
		return fmt.Errorf("%w: %w", agent.ErrCancelled, err)
	case errors.Is(err, pkcs11.ErrTokenRemoved):
		return fmt.Errorf("%w: %w", agent.ErrTokenNotFound, err)
	case errors.Is(err, pkcs11.ErrCertificateNotFound), errors.Is(err, pkcs11.ErrKeyNotFound):
		return fmt.Errorf("%w: %w", agent.ErrCertificateNotFound, err)
	}
	return err
}

var _ agent.TokenSource = (*Source)(nil)
