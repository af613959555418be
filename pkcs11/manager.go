package pkcs11

import (
	"errors"

	"fmt"
	p11 "github.com/miekg/pkcs11"
	"sort"
	"sync"
	"time"
)

// Options configures a Manager.
type Options struct {
	// Modules are module paths named in the configuration or on the
	// command line. They are loaded first, and reported even when the
	// file does not exist.
	Modules []string
	// NoEnvironment ignores the ZAVERA_PKCS11_MODULES variable.
	NoEnvironment bool
	// NoDiscovery skips the well-known module locations: only Modules
	// (and the environment) are loaded.
	NoDiscovery bool
	// IdleTimeout logs a token out and closes its session after this long
	// without an operation; zero keeps the login until Logout, token
	// removal or Close.
	IdleTimeout time.Duration
	// PollInterval is how often Events looks at the slots; zero means
	// two seconds.
	PollInterval time.Duration

	// Isolate runs each module in a host process of its own instead of
	// loading it into this process (see "Module isolation" in the package
	// documentation); nil loads them here.
	Isolate *Isolation

	// load replaces the module loader in unit tests.
	load loader
}

// Manager holds the loaded modules and the tokens found in them.
type Manager struct {
	opts    Options
	modules []Module  // every module tried, in order
	mods    []*module // the loaded ones
	modPath map[*module]string

	mu     sync.Mutex
	tokens map[string]*token // by Token.ID
	closed bool
	// listed holds the certificates of the last listing, by ID, so that
	// Signer need not read every token again.
	listed map[string]*Certificate

	events *watcher
}

// Open loads and initialises every module found (see Options). A module
// that fails is listed in Modules with the reason and does not stop the
// others; Open itself fails only when opts are unusable.
func Open(opts Options) (*Manager, error) {
	load, kind := opts.load, ""
	switch {
	case load != nil:
	case opts.Isolate != nil:
		// Hosts are not shared with in-process loads of the same file.
		load, kind = loadIsolated(*opts.Isolate), "host:"
	default:
		load = loadMiekg
	}
	m := &Manager{opts: opts, tokens: map[string]*token{}, modPath: map[*module]string{}}
	for _, path := range discover(opts.Modules, !opts.NoEnvironment, !opts.NoDiscovery) {
		mod, err := acquire(path, load, kind)
		if err != nil {
			m.modules = append(m.modules, Module{Path: path, Err: err})
			continue
		}
		m.modules = append(m.modules, mod.describe(path))
		m.mods = append(m.mods, mod)
		m.modPath[mod] = path
	}
	return m, nil
}

// Modules lists every module tried, loaded or not.
func (m *Manager) Modules() []Module {
	return append([]Module(nil), m.modules...)
}

// Close logs out of every token, stops the events and unloads the
// modules. Keys taken from the Manager stop working.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	toks := make([]*token, 0, len(m.tokens))
	for _, t := range m.tokens {
		toks = append(toks, t)
	}
	w := m.events
	m.mu.Unlock()
	if w != nil {
		w.stop()
	}
	for _, t := range toks {
		t.mu.Lock()
		t.reset(true)
		t.present, t.closed = false, true
		t.mu.Unlock()
		// Signatures in extra sessions end before the module goes.
		t.signing.Wait()
	}
	for _, mod := range m.mods {
		mod.release()
	}
	return nil
}

// scan looks at every slot of every module and updates the token table:
// new tokens are added, tokens seen again get their slot and flags
// refreshed, tokens gone are marked absent and their state dropped. It
// returns the tokens present. Per-module failures are returned joined,
// after the tokens of the modules that worked.
func (m *Manager) scan() ([]*token, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	m.mu.Unlock()
	type found struct {
		mod  *module
		tok  Token
		slot uint
	}
	var seen []found
	var errs []error
	for _, mod := range m.mods {
		path := m.modPath[mod]
		slots, err := mod.be.GetSlotList(true)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, mapError("C_GetSlotList", err)))
			continue
		}
		for _, sl := range slots {
			ti, err := mod.be.GetTokenInfo(sl)
			if err != nil {
				// A token pulled out between the two calls is simply absent.
				if mapped := mapError("C_GetTokenInfo", err); !isRemoval(mapped) {
					errs = append(errs, fmt.Errorf("%s slot %d: %w", path, sl, mapped))
				}
				continue
			}
			if ti.Flags&p11.CKF_TOKEN_INITIALIZED == 0 {
				continue // a blank token (SoftHSM's free slot) holds nothing
			}
			si, _ := mod.be.GetSlotInfo(sl)
			seen = append(seen, found{mod, makeToken(path, sl, si, ti), sl})
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	present := map[string]bool{}
	var out []*token
	for _, f := range seen {
		if present[f.tok.ID] {
			continue // two slots showing the same token: keep the first
		}
		present[f.tok.ID] = true
		t, ok := m.tokens[f.tok.ID]
		if !ok {
			t = &token{mod: f.mod, idle: m.opts.IdleTimeout}
			t.spareFree = sync.NewCond(&t.mu)
			m.tokens[f.tok.ID] = t
		}
		t.mu.Lock()
		if !t.present || t.info.Slot != f.slot {
			t.reset(false)
		}
		t.info, t.present = f.tok, true
		t.mu.Unlock()
		out = append(out, t)
	}
	for id, t := range m.tokens {
		if present[id] {
			continue
		}
		t.mu.Lock()
		if t.present {
			t.reset(false)
			t.present = false
		}
		t.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].info.Module != out[j].info.Module {
			return out[i].info.Module < out[j].info.Module
		}
		return out[i].info.Slot < out[j].info.Slot
	})
	return out, errors.Join(errs...)
}

// Tokens lists the tokens present now. Modules that fail to answer are
// reported in the error, joined, with the tokens of the others returned.
func (m *Manager) Tokens() ([]Token, error) {
	toks, err := m.scan()
	out := make([]Token, len(toks))
	for i, t := range toks {
		t.checkCertificates()
		t.mu.Lock()
		out[i] = t.info
		out[i].CertificatesAfterLogin = t.certsHidden && !t.loggedIn
		t.mu.Unlock()
	}
	return out, err
}

// Certificates lists the certificates of every token present, without
// logging in. A token that fails is reported in the joined error and
// does not hide the others.
func (m *Manager) Certificates() ([]*Certificate, error) {
	toks, err := m.scan()
	errs := []error{err}
	var out []*Certificate
	for _, t := range toks {
		certs, err := t.certificates()
		if err != nil {
			errs = append(errs, fmt.Errorf("token %q: %w", t.info.Label, err))
			continue
		}
		out = append(out, certs...)
	}
	listed := map[string]*Certificate{}
	for _, c := range out {
		if prev, ok := listed[c.ID]; !ok || (prev.Key == KeyMissing && c.Key != KeyMissing) {
			listed[c.ID] = c
		}
	}
	m.mu.Lock()
	m.listed = listed
	m.mu.Unlock()
	return out, errors.Join(errs...)
}

// certificateSet returns the identifiers of the token's certificates
// (see certSetKey). Reading certificates from a USB token is slow, so
// they are read again only when the set of certificate object handles
// differs from the last listing: a look costs one object search.
func (t *token) certificateSet() (string, error) {
	var set string
	err := t.withSession(func(s *session) error {
		if t.certHandles != "" {
			hs, err := s.findAll(certTemplate())
			if err != nil {
				return err
			}
			if handlesKey(hs) == t.certHandles {
				set = t.certIDs
				return nil
			}
		}
		certs, err := s.listCertificates()
		if err != nil {
			return err
		}
		t.certIDs = certSetKey(certs)
		t.noteCertificates(len(certs))
		set = t.certIDs
		return nil
	})
	return set, err
}

func (t *token) certificates() ([]*Certificate, error) {
	var certs []*Certificate
	err := t.withSession(func(s *session) error {
		var err error
		certs, err = s.listCertificates()
		if err == nil {
			t.certIDs = certSetKey(certs)
			t.noteCertificates(len(certs))
		}
		return err
	})
	return certs, err
}

// Signer opens the key of the certificate with the given identifier (see
// Certificate.ID), as found by the last Certificates (the tokens are read
// when it is not there). pin supplies the PIN when the token asks for one; it
// may be nil for tokens with a PIN pad or without login. No login
// happens here: the first Sign logs in.
func (m *Manager) Signer(certID string, pin PINFunc) (*Key, error) {
	m.mu.Lock()
	best := m.listed[certID]
	if best != nil {
		if t := m.tokens[best.Token.ID]; t == nil || best.Key == KeyMissing {
			best = nil
		}
	}
	m.mu.Unlock()
	if best == nil {
		// Not listed yet (or without its key then): read the tokens.
		_, err := m.Certificates()
		m.mu.Lock()
		best = m.listed[certID]
		m.mu.Unlock()
		if best == nil {
			if err != nil {
				return nil, fmt.Errorf("%w: %s (%w)", ErrCertificateNotFound, certID, err)
			}
			return nil, fmt.Errorf("%w: %s", ErrCertificateNotFound, certID)
		}
	}
	if best.Cert.PublicKey == nil {
		return nil, fmt.Errorf("%w: certificate %s has a key this program cannot use", ErrMechanismNotSupported, certID)
	}
	m.mu.Lock()
	t := m.tokens[best.Token.ID]
	m.mu.Unlock()
	if t == nil {
		return nil, fmt.Errorf("%w: token of certificate %s", ErrTokenRemoved, certID)
	}
	return &Key{t: t, cert: best, pub: best.Cert.PublicKey, pin: pin}, nil
}

// Logout logs out of the token with the given ID and closes its
// sessions: the next signature logs in again, asking for the PIN. It
// reports whether the token was logged in.
func (m *Manager) Logout(tokenID string) bool {
	m.mu.Lock()
	t := m.tokens[tokenID]
	m.mu.Unlock()
	if t != nil {
		return t.logout()
	}
	return false
}

// LogoutAll logs out of every token known, present or not, as Logout
// does, and returns the IDs of those that were logged in.
func (m *Manager) LogoutAll() []string {
	m.mu.Lock()
	toks := make(map[string]*token, len(m.tokens))
	for id, t := range m.tokens {
		toks[id] = t
	}
	m.mu.Unlock()
	var ended []string
	for id, t := range toks {
		if t.logout() {
			ended = append(ended, id)
		}
	}
	sort.Strings(ended)
	return ended
}

// LoginState asks the token's module whether the token with the given ID
// is logged in now (C_GetSessionInfo in a session opened for the
// question). Logins are per token and process in PKCS#11, so the answer
// covers every session of this program.
func (m *Manager) LoginState(tokenID string) (bool, error) {
	m.mu.Lock()
	t := m.tokens[tokenID]
	m.mu.Unlock()
	if t == nil {
		return false, fmt.Errorf("%w: token %s", ErrTokenRemoved, tokenID)
	}
	return t.loginState()
}
