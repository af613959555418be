package keysource

import (
	"context"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost/streebog"
	"github.com/zavera/zavera/keyfile"
	"github.com/zavera/zavera/keyfile/cpcontainer"
)

// TokenIDPrefix starts the token IDs of software keys.
const TokenIDPrefix = "keyfile-"

// ErrKeyMismatch means the key opened does not belong to the certificate
// listed for it. It matches agent.ErrCertificateNotFound.
var ErrKeyMismatch = fmt.Errorf("%w: the key file's key does not match its certificate", agent.ErrCertificateNotFound)

// Options configure a Source.
type Options struct {
	// List is the user's list of added keys; nil for none.
	List *List
	// Discover lists the containers cpcontainer.Discover finds too.
	Discover bool
	// Log receives what the source skips; nil discards it.
	Log *slog.Logger
}

// Source serves software keys to the agent.
type Source struct {
	opts Options

	mu   sync.Mutex
	subs map[int]func(agent.TokenEvent)
	next int

	// The usable keys are described again after cacheFor or after
	// Changed, whichever comes first.
	cacheMu  sync.Mutex
	cached   []*KeyInfo
	cachedAt time.Time
	now      func() time.Time
}

// cacheFor bounds how stale the list of usable keys may be: a key added
// with `zavera keys add` or a flash drive inserted shows within it.
const cacheFor = time.Second

// New returns a source over the added keys and, when asked, the
// discovered containers.
func New(opts Options) *Source {
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Source{opts: opts, subs: map[int]func(agent.TokenEvent){}, now: time.Now}
}

// KeyInfo describes a software key as the source sees it now.
type KeyInfo struct {
	Entry
	// Added is true for a key in the user's list, false for a container
	// found by discovery.
	Added bool
	// Name is the container's name, else the file's.
	Name string
	// Certificate and CertificateID are the key's certificate; nil when
	// Err is set.
	Certificate   *cert.Certificate
	CertificateID string
	// PasswordNeeded is false for a container that the empty password
	// opens.
	PasswordNeeded bool
	// Err says why the key cannot be used now (its drive is not
	// inserted, no certificate, a damaged file).
	Err error
}

// Token is the token a key appears as.
func (k *KeyInfo) Token() agent.Token {
	model := "PKCS#12 file"
	if k.Kind == KindContainer {
		model = "CryptoPro key container"
	}
	return agent.Token{ID: TokenIDPrefix + k.ID, Label: k.Name, Model: model, Serial: k.ID, SoftwareKey: true}
}

// Keys describes every added key and every discovered container, usable
// or not (see KeyInfo.Err), added ones first.
func (s *Source) Keys() []KeyInfo {
	var entries []Entry
	if s.opts.List != nil {
		es, skipped, err := s.opts.List.Load()
		if err != nil {
			s.opts.Log.Warn("the list of added keys cannot be read", "err", err)
		}
		for _, e := range skipped {
			s.opts.Log.Warn("the list of added keys: part skipped", "err", e)
		}
		entries = es
	}
	added := len(entries)
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.ID] = true
	}
	if s.opts.Discover {
		for _, dir := range cpcontainer.Discover(nil) {
			if id := EntryID(dir); !seen[id] {
				seen[id] = true
				entries = append(entries, Entry{ID: id, Kind: KindContainer, Path: dir})
			}
		}
	}
	out := make([]KeyInfo, 0, len(entries))
	for i, e := range entries {
		k := describe(e)
		k.Added = i < added
		out = append(out, k)
	}
	return out
}

// keys lists the usable keys; the others are logged.
func (s *Source) keys() []*KeyInfo {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if now := s.now(); s.cached != nil && now.Sub(s.cachedAt) < cacheFor && !now.Before(s.cachedAt) {
		return s.cached
	}
	out := []*KeyInfo{}
	for _, k := range s.Keys() {
		if k.Err != nil {
			s.opts.Log.Info("software key not listed", "path", k.Path, "err", k.Err)
			continue
		}
		out = append(out, &k)
	}
	s.cached, s.cachedAt = out, s.now()
	return out
}

// describe reads what can be known of a key without its password.
func describe(e Entry) KeyInfo {
	k := KeyInfo{Entry: e, Name: filepath.Base(e.Path), PasswordNeeded: true}
	if _, err := os.Stat(e.Path); err != nil {
		// Most often a drive that is not inserted: errors.Is(err,
		// fs.ErrNotExist).
		k.Err = fmt.Errorf("keysource: %w", err)
		return k
	}
	if inspect := inspectors[e.Kind]; inspect != nil {
		if err := inspect(e.Path); err != nil {
			k.Err = err
			return k
		}
	}
	var der []byte
	if e.Kind == KindContainer {
		info, err := cpcontainer.Inspect(e.Path)
		if err != nil {
			k.Err = err
			return k
		}
		k.Name, k.PasswordNeeded, der = info.Name, info.PasswordNeeded, info.Certificate
	}
	if e.Cert != "" {
		data, err := readBounded(e.Cert, maxKeyFileSize)
		if err != nil {
			k.Err = err
			return k
		}
		certs, err := cert.ParseAll(data)
		if err != nil {
			k.Err = fmt.Errorf("keysource: %s: %w", e.Cert, err)
			return k
		}
		der = certs[0].Raw
	}
	if der == nil {
		k.Err = ErrNoCertificate
		return k
	}
	c, err := cert.Parse(der)
	if err != nil {
		k.Err = fmt.Errorf("keysource: the key's certificate: %w", err)
		return k
	}
	k.Certificate, k.CertificateID = c, CertificateID(der)
	return k
}

// ErrNoCertificate means a key has no certificate: the file holds none
// and none was named when it was added.
var ErrNoCertificate = errors.New("keysource: no certificate with the key (add it with a certificate file)")

// CertificateID is the ID pages and `zavera sign` use for a certificate:
// the same form as a token certificate's (the first 16 bytes of the
// Streebog-256 hash of the DER, hex), so a certificate keeps its ID when
// its key moves between a file and a token.
func CertificateID(der []byte) string {
	sum := streebog.Sum256(der)
	return hex.EncodeToString(sum[:16])
}

// Tokens lists one token per software key.
func (s *Source) Tokens(context.Context) ([]agent.Token, error) {
	out := []agent.Token{}
	for _, k := range s.keys() {
		out = append(out, k.Token())
	}
	return out, nil
}

// Certificates lists the software keys' certificates, marked SoftwareKey.
func (s *Source) Certificates(context.Context) ([]agent.Certificate, error) {
	out := []agent.Certificate{}
	for _, k := range s.keys() {
		out = append(out, agent.Certificate{ID: k.CertificateID, TokenID: TokenIDPrefix + k.ID, Cert: k.Certificate, SoftwareKey: true})
	}
	return out, nil
}

// OpenKey asks for the key's password when it has one, opens the key and
// checks it against the certificate. The key is wiped by its Close.
func (s *Source) OpenKey(ctx context.Context, certID string, pin agent.PINFunc) (agent.Key, error) {
	var l *KeyInfo
	for _, x := range s.keys() {
		if x.CertificateID == certID {
			l = x
			break
		}
	}
	if l == nil {
		return nil, fmt.Errorf("%w: %q", agent.ErrCertificateNotFound, certID)
	}
	open := openers[l.Kind]
	if open == nil {
		return nil, fmt.Errorf("%w: %w: %s", agent.ErrTokenNotFound, keyfile.ErrUnsupported, l.Kind)
	}
	password := ""
	if l.PasswordNeeded {
		p, err := pin(ctx, l.Token())
		if err != nil {
			return nil, err
		}
		// The readers take a string; the PIN's bytes are wiped by the
		// agent when OpenKey returns.
		password = string(p.Bytes())
	}
	c, err := open(l.Path, password)
	switch {
	case errors.Is(err, keyfile.ErrWrongPassword):
		return nil, fmt.Errorf("%w (%w)", &agent.PINError{TriesLeft: -1}, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %s: %w", agent.ErrTokenNotFound, l.Path, err)
	}
	if c.Key == nil || !c.Key.PublicKey().Equal(l.Certificate.PublicKey) {
		c.Wipe()
		return nil, ErrKeyMismatch
	}
	return &openKey{c: c}, nil
}

// Subscribe registers fn for CertificatesChanged events, sent by Changed.
func (s *Source) Subscribe(fn func(agent.TokenEvent)) func() {
	s.mu.Lock()
	id := s.next
	s.next++
	s.subs[id] = fn
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.subs, id)
		s.mu.Unlock()
	}
}

// Changed tells the subscribers that the set of software keys changed (a
// key added or removed in the window).
func (s *Source) Changed() {
	s.cacheMu.Lock()
	s.cached = nil
	s.cacheMu.Unlock()
	s.mu.Lock()
	fns := make([]func(agent.TokenEvent), 0, len(s.subs))
	for _, fn := range s.subs {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn(agent.TokenEvent{Kind: agent.CertificatesChanged, TokenID: TokenIDPrefix})
	}
}

// openKey is a decrypted key for one request.
type openKey struct {
	mu sync.Mutex
	c  *keyfile.Contents
}

var errClosed = errors.New("keysource: the key was closed")

func (k *openKey) Public() crypto.PublicKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.c.Key == nil {
		return nil
	}
	return k.c.Key.Public()
}

func (k *openKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.c.Key == nil {
		return nil, errClosed
	}
	return k.c.Key.Sign(rand, digest, opts)
}

// WillAskPIN is false: the password was asked in OpenKey.
func (k *openKey) WillAskPIN() bool { return false }

// Close wipes the key.
func (k *openKey) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.c.Wipe()
	return nil
}
