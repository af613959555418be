package cert

import "sync"

// Memo remembers, for one validation, the certificates already parsed and
// the certificate signatures already checked, so that a signature whose
// time-stamp tokens, revocation values and certificate values carry the
// same certificates (the TSA's, its CA's, the signer's CA's) parses each
// once and checks each issuer's signature once.
//
// A Memo is meant to live as long as one validation: it grows with every
// distinct certificate it sees and never forgets. Parsed certificates are
// keyed by their DER; checked signatures by the pair of certificates, so
// the certificates must come from the Memo's Parse (or be the caller's
// own, shared) for a check to be found again. A failed check is
// remembered as well: the same certificates give the same answer. A nil
// *Memo is valid and remembers nothing. A Memo is safe for concurrent
// use.
type Memo struct {
	mu     sync.Mutex
	parsed map[string]*Certificate
	sigs   map[sigPair]error
	shared *SignatureCache
}

// sigPair names a child and its issuer. Certificates are immutable, and
// Parse gives one *Certificate per DER, so pointers name them; two copies
// of a certificate the caller parsed apart only cost a second check.
type sigPair struct{ child, issuer *Certificate }

// NewMemo returns an empty Memo.
func NewMemo() *Memo {
	return &Memo{parsed: map[string]*Certificate{}, sigs: map[sigPair]error{}}
}

// NewMemoShared returns an empty Memo that looks up, and adds to, the
// certificate signatures of a SignatureCache that outlives it.
func NewMemoShared(sc *SignatureCache) *Memo {
	m := NewMemo()
	m.shared = sc
	return m
}

// Parse is Parse, returning the same *Certificate for the same DER. A
// certificate that does not parse is not remembered.
func (m *Memo) Parse(der []byte) (*Certificate, error) {
	if m == nil {
		return Parse(der)
	}
	m.mu.Lock()
	c := m.parsed[string(der)]
	m.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := Parse(der)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if prev := m.parsed[string(der)]; prev != nil {
		c = prev
	} else {
		m.parsed[string(c.Raw)] = c
	}
	m.mu.Unlock()
	return c, nil
}

// CheckSignatureFrom is child.CheckSignatureFrom(issuer), made once per
// pair of certificates, and not at all when the Memo's SignatureCache
// found them valid before.
func (m *Memo) CheckSignatureFrom(child, issuer *Certificate) error {
	if m == nil || issuer == nil {
		return child.CheckSignatureFrom(issuer)
	}
	key := sigPair{child, issuer}
	m.mu.Lock()
	err, ok := m.sigs[key]
	m.mu.Unlock()
	if ok {
		return err
	}
	err = m.shared.CheckSignatureFrom(child, issuer)
	m.mu.Lock()
	m.sigs[key] = err
	m.mu.Unlock()
	return err
}
