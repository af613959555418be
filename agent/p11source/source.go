// Package p11source is the agent's token source over package pkcs11: the
// tokens and certificates of every PKCS#11 module loaded, keys as signers,
// PIN prompts and token events.
//
// # Rules
//
// Only certificates whose private key is on the token (or hidden until
// login) are offered to pages; the others, CA certificates that came with
// them, are given to the agent through CACertificates for the chains it
// writes into signatures. A page's listing never logs in; a token whose
// certificates are private objects shows them once the user logs in
// through Login (the main window's «Показать сертификаты»). A token logs
// in at its first signature (or at Login) and
// keeps the login until it is removed, until no key of it has been open
// for Options.IdleLogout, or until Lock (the screen locked, the session
// ending), so the PIN is asked at most once per login. A key is open from
// OpenKey to its Close: a batch that signs keeps its token logged in
// however long it runs, and the idle time counts from the end of the last
// request that used the token.
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
// the Manager's events (package pkcs11 allows one consumer), drops its
// caches on each and hands them to every subscriber; the goroutine ends
// when the Manager is closed. The caller keeps the Manager and closes it
// after the Source. The idle logout runs on timers of its own (see
// logout.go); Lock may be called from any goroutine. The certificate list is cached for half a second at
// most, and one pkcs11.Key is kept per certificate, so that a signature
// does not scan the tokens again.
package p11source

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/pkcs11"
)

// Source serves a pkcs11.Manager's tokens to the agent.
type Source struct {
	m *pkcs11.Manager

	once sync.Once
	mu   sync.Mutex
	subs map[int]func(agent.TokenEvent)
	next int

	// The certificate list is read again after cacheFor or after any
	// token event, whichever comes first; keys are kept per certificate.
	cacheMu  sync.Mutex
	certs    []agent.Certificate
	certsAt  time.Time
	certsGen uint64
	gen      uint64
	keys     map[string]*sharedKey
	now      func() time.Time

	idle idleLogout
}

// Options configures a Source.
type Options struct {
	// IdleLogout logs a token out once no key of it has been open for
	// this long; zero keeps the login until Lock or removal.
	IdleLogout time.Duration
	// Log receives a line for each logout; nil discards them.
	Log *slog.Logger
}

// cacheFor bounds how stale the certificate list may be when no event
// has come (the Manager polls slots every two seconds).
const cacheFor = 500 * time.Millisecond

// New wraps m and starts watching its events, with no idle logout.
func New(m *pkcs11.Manager) *Source { return NewWithOptions(m, Options{}) }

// NewWithOptions wraps m with opts and starts watching its events.
func NewWithOptions(m *pkcs11.Manager, opts Options) *Source {
	s := &Source{m: m, subs: map[int]func(agent.TokenEvent){}, keys: map[string]*sharedKey{}, now: time.Now}
	s.idle.init(m, opts)
	s.once.Do(func() { go s.pump() })
	return s
}

func toToken(t pkcs11.Token) agent.Token {
	return agent.Token{ID: t.ID, Label: t.Label, Manufacturer: t.Manufacturer, Model: t.Model, Serial: t.Serial, PINLocked: t.PIN.Locked,
		CertificatesAfterLogin: t.CertificatesAfterLogin}
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
	s.cacheMu.Lock()
	if s.certs != nil && s.certsGen == s.gen && s.now().Sub(s.certsAt) < cacheFor {
		out := append([]agent.Certificate(nil), s.certs...)
		s.cacheMu.Unlock()
		return out, nil
	}
	gen := s.gen
	s.cacheMu.Unlock()
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
	if err == nil {
		s.cacheMu.Lock()
		if s.gen == gen {
			s.certs, s.certsAt, s.certsGen = out, s.now(), gen
		}
		s.cacheMu.Unlock()
	}
	return append([]agent.Certificate(nil), out...), nil
}

// CACertificates lists the certificates on the tokens that have no private
// key: the CA certificates installed with a user's certificate, from
// which the agent builds the chains written into signatures.
func (s *Source) CACertificates(context.Context) ([]*cert.Certificate, error) {
	cs, err := s.m.Certificates()
	if err != nil && len(cs) == 0 {
		return nil, mapErr(err)
	}
	var out []*cert.Certificate
	for _, c := range cs {
		if c.Key == pkcs11.KeyMissing && c.Cert != nil {
			out = append(out, c.Cert)
		}
	}
	return out, nil
}

// sharedKey is one pkcs11.Key per certificate, shared by the requests
// that sign with it. Its PIN callback asks through the PINFunc of the
// request whose signature is running: mu is held across each Sign with
// k, so that a login prompt always belongs to the request that caused
// it. Signatures that need no login go through quiet, the same key
// without login, and do not take mu: they may run side by side.
type sharedKey struct {
	k     *pkcs11.Key
	quiet *pkcs11.Key
	mu    sync.Mutex
	pin   pkcs11.PINFunc // the running request's; set with mu held
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
	s.cacheMu.Lock()
	sk := s.keys[certID]
	s.cacheMu.Unlock()
	if sk == nil {
		sk = &sharedKey{}
		k, err := s.m.Signer(certID, func(r pkcs11.PINRequest) ([]byte, error) {
			if sk.pin == nil {
				return nil, pkcs11.ErrPINRequired
			}
			return sk.pin(r)
		})
		if err != nil {
			return nil, mapErr(err)
		}
		sk.k, sk.quiet = k, k.WithoutLogin()
		s.cacheMu.Lock()
		if prev := s.keys[certID]; prev != nil {
			sk = prev
		} else {
			s.keys[certID] = sk
		}
		s.cacheMu.Unlock()
	}
	return &key{sk: sk, pin: pf, release: s.idle.hold(sk.k.Info().Token.ID)}, nil
}

// Subscribe passes token events to fn.
func (s *Source) Subscribe(fn func(agent.TokenEvent)) func() {
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
		s.cacheMu.Lock()
		s.gen++
		if e.Kind == pkcs11.CertificatesChanged {
			s.keys = map[string]*sharedKey{}
		}
		s.cacheMu.Unlock()
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
		s.publish(agent.TokenEvent{Kind: kind, TokenID: e.Token.ID})
	}
}

// publish hands ev to every subscriber.
func (s *Source) publish(ev agent.TokenEvent) {
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

// key is one request's use of a shared key; Close keeps the login for
// the next request and starts the token's idle time when no other key of
// it is open.
type key struct {
	sk      *sharedKey
	pin     pkcs11.PINFunc
	release func()
}

func (k *key) Public() crypto.PublicKey { return k.sk.k.Public() }

func (k *key) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.withPIN(func(pk *pkcs11.Key) ([]byte, error) { return pk.Sign(r, digest, opts) })
}

// SignMessage passes whole messages through to the token key, so that a
// token that only hashes on board can still sign CMS attributes.
func (k *key) SignMessage(r io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.withPIN(func(pk *pkcs11.Key) ([]byte, error) { return pk.SignMessage(r, msg, opts) })
}

// WillAskPIN reports whether the next signature may ask for the PIN.
func (k *key) WillAskPIN() bool { return k.sk.k.WillAskPIN() }

// withPIN runs one signing operation: without a login if it needs none,
// else with this request's PIN callback in force on the shared key.
func (k *key) withPIN(sign func(*pkcs11.Key) ([]byte, error)) ([]byte, error) {
	sig, err := sign(k.sk.quiet)
	if err == nil {
		return sig, nil
	}
	if !errors.Is(err, pkcs11.ErrPINRequired) {
		return nil, mapErr(err)
	}
	k.sk.mu.Lock()
	k.sk.pin = k.pin
	sig, err = sign(k.sk.k)
	k.sk.pin = nil
	k.sk.mu.Unlock()
	if err != nil {
		return nil, mapErr(err)
	}
	return sig, nil
}

func (k *key) Close() error {
	k.release()
	return nil
}

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
	case errors.Is(err, pkcs11.ErrModuleFailed):
		return fmt.Errorf("%w: %w", agent.ErrTokenDriverFailed, err)
	}
	return err
}

var _ agent.TokenSource = (*Source)(nil)
