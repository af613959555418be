package cert

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// SignatureCache remembers, across validations, the certificate signatures
// found valid: which certificate's signature an issuer's key verified. A
// service validating many signatures of the same signers and CAs then
// checks each CA's signature on a certificate once, not once per
// signature.
//
// An entry is keyed by the SHA-256 of the exact bytes of both
// certificates, so a certificate or issuer differing by one byte never
// finds another's entry; only valid signatures are kept, so a failure is
// always checked again. It holds at most its size in entries and forgets
// the least recently used first. A SignatureCache is safe for concurrent
// use; a nil *SignatureCache remembers nothing.
type SignatureCache struct {
	mu      sync.Mutex
	size    int
	entries map[sigKey]*list.Element
	recent  *list.List // of sigKey, most recently used first
	hits    uint64
}

type sigKey [sha256.Size]byte

// NewSignatureCache returns an empty cache of at most size entries (at
// least one).
func NewSignatureCache(size int) *SignatureCache {
	return &SignatureCache{size: max(size, 1), entries: map[sigKey]*list.Element{}, recent: list.New()}
}

// keyOf hashes the child's DER, then the issuer's, each after its length.
func keyOf(child, issuer *Certificate) sigKey {
	h := sha256.New()
	var n [8]byte
	for _, c := range []*Certificate{child, issuer} {
		binary.BigEndian.PutUint64(n[:], uint64(len(c.Raw)))
		h.Write(n[:])
		h.Write(c.Raw)
	}
	var k sigKey
	h.Sum(k[:0])
	return k
}

// CheckSignatureFrom is child.CheckSignatureFrom(issuer), skipped when the
// same two certificates were found valid before.
func (sc *SignatureCache) CheckSignatureFrom(child, issuer *Certificate) error {
	if sc == nil || issuer == nil {
		return child.CheckSignatureFrom(issuer)
	}
	k := keyOf(child, issuer)
	sc.mu.Lock()
	if e, ok := sc.entries[k]; ok {
		sc.recent.MoveToFront(e)
		sc.hits++
		sc.mu.Unlock()
		return nil
	}
	sc.mu.Unlock()
	if err := child.CheckSignatureFrom(issuer); err != nil {
		return err
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if e, ok := sc.entries[k]; ok {
		sc.recent.MoveToFront(e)
		return nil
	}
	sc.entries[k] = sc.recent.PushFront(k)
	for sc.recent.Len() > sc.size {
		old := sc.recent.Back()
		sc.recent.Remove(old)
		delete(sc.entries, old.Value.(sigKey))
	}
	return nil
}

// Len returns the number of signatures remembered.
func (sc *SignatureCache) Len() int {
	if sc == nil {
		return 0
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.recent.Len()
}

// Hits returns how many checks the cache answered.
func (sc *SignatureCache) Hits() uint64 {
	if sc == nil {
		return 0
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.hits
}
