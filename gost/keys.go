package gost

import (
	"crypto"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"strings"
)

var (
	errRange    = fmt.Errorf("%w: r or s is zero or not below q", ErrInvalidSignature)
	errMismatch = fmt.Errorf("%w: verification failed", ErrInvalidSignature)
)

// PublicKey is a GOST R 34.10-2012 public key: a point on a Curve.
type PublicKey struct {
	curve *Curve
	raw   []byte // LE(X) || LE(Y)
}

// NewPublicKey returns the public key whose encoding is raw = LE(X) || LE(Y),
// 2·Size bytes, the form of SubjectPublicKeyInfo and of PKCS#11 CKA_VALUE.
// It checks that the point lies on the curve.
func NewPublicKey(c *Curve, raw []byte) (*PublicKey, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: no curve", ErrInvalidPublicKey)
	}
	if len(raw) != 2*c.Size() {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidPublicKey, len(raw), 2*c.Size())
	}
	if !c.arith().pointValid(raw) {
		return nil, fmt.Errorf("%w: point not on the curve %s", ErrInvalidPublicKey, c.Name())
	}
	return &PublicKey{curve: c, raw: append([]byte(nil), raw...)}, nil
}

// Curve returns the key's parameter set.
func (p *PublicKey) Curve() *Curve { return p.curve }

// Bytes returns LE(X) || LE(Y).
func (p *PublicKey) Bytes() []byte { return append([]byte(nil), p.raw...) }

// Equal reports whether x is a *PublicKey with the same curve and point.
func (p *PublicKey) Equal(x crypto.PublicKey) bool {
	o, ok := x.(*PublicKey)
	if !ok || o == nil || p == nil {
		return false
	}
	return p.curve == o.curve && subtle.ConstantTimeCompare(p.raw, o.raw) == 1
}

// Verify checks sig = BE(s) || BE(r) over digest, the hash bytes as the
// hash function output them (GOST R 34.10-2012, 6.2). It returns nil for a
// valid signature and otherwise an error wrapping ErrInvalidDigest or
// ErrInvalidSignature.
func (p *PublicKey) Verify(digest, sig []byte) error {
	n := p.curve.Size()
	if len(digest) != n {
		return fmt.Errorf("%w: %d bytes, want %d", ErrInvalidDigest, len(digest), n)
	}
	if len(sig) != 2*n {
		return fmt.Errorf("%w: %d bytes, want %d", ErrInvalidSignature, len(sig), 2*n)
	}
	return p.curve.arith().verify(p.raw, digest, sig)
}

// PrivateKey is a GOST R 34.10-2012 private key. It implements
// crypto.Signer.
type PrivateKey struct {
	pub *PublicKey
	d   []byte // LE(d), 0 < d < q
}

// GenerateKey returns a new key on c with a scalar drawn from rand
// (crypto/rand.Reader when rand is nil).
func GenerateKey(c *Curve, rand io.Reader) (*PrivateKey, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: no curve", ErrUnknownParamSet)
	}
	d, err := randomScalar(c, rand)
	if err != nil {
		return nil, err
	}
	return newPrivateKey(c, d), nil
}

// NewPrivateKey returns the key whose scalar is raw = LE(d), Size bytes,
// as PKCS#11 CKA_VALUE holds it. d must satisfy 0 < d < q.
func NewPrivateKey(c *Curve, raw []byte) (*PrivateKey, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: no curve", ErrInvalidPrivateKey)
	}
	if len(raw) != c.Size() {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidPrivateKey, len(raw), c.Size())
	}
	if !c.arith().scalarValid(raw) {
		return nil, fmt.Errorf("%w: scalar is zero or not below q", ErrInvalidPrivateKey)
	}
	return newPrivateKey(c, append([]byte(nil), raw...)), nil
}

func newPrivateKey(c *Curve, d []byte) *PrivateKey {
	return &PrivateKey{d: d, pub: &PublicKey{curve: c, raw: c.arith().publicKey(d)}}
}

// Wipe overwrites the key's scalar with zeros. The key must not be used
// afterwards: Sign then fails with ErrInvalidPrivateKey.
func (k *PrivateKey) Wipe() {
	if k == nil {
		return
	}
	clear(k.d)
	k.d = nil
}

// Curve returns the key's parameter set.
func (k *PrivateKey) Curve() *Curve { return k.pub.curve }

// Bytes returns LE(d).
func (k *PrivateKey) Bytes() []byte { return append([]byte(nil), k.d...) }

// Public returns the *PublicKey.
func (k *PrivateKey) Public() crypto.PublicKey { return k.pub }

// PublicKey returns the public key.
func (k *PrivateKey) PublicKey() *PublicKey { return k.pub }

// Equal reports whether x is a *PrivateKey with the same curve and scalar.
func (k *PrivateKey) Equal(x crypto.PrivateKey) bool {
	o, ok := x.(*PrivateKey)
	if !ok || o == nil || k == nil {
		return false
	}
	return k.pub.curve == o.pub.curve && subtle.ConstantTimeCompare(k.d, o.d) == 1
}

// Sign signs digest, the hash bytes as the hash function output them
// (32 bytes for 256-bit keys, 64 for 512-bit ones), and returns
// BE(s) || BE(r). The nonce comes from rand (crypto/rand.Reader when rand
// is nil). opts is ignored except that a non-zero HashFunc() must not
// claim a digest of another length.
func (k *PrivateKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	c := k.pub.curve
	if k.d == nil {
		return nil, fmt.Errorf("%w: the key was wiped", ErrInvalidPrivateKey)
	}
	if len(digest) != c.Size() {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidDigest, len(digest), c.Size())
	}
	if opts != nil {
		// crypto.Hash knows no Streebog; a known hash of another size is a
		// caller's mistake worth reporting.
		if h := opts.HashFunc(); h != 0 && !strings.HasPrefix(h.String(), "unknown") && h.Size() != c.Size() {
			return nil, fmt.Errorf("%w: options name %v, a %d-byte hash", ErrInvalidDigest, h, h.Size())
		}
	}
	// r or s is zero with probability about 2/q; a source that keeps
	// producing such nonces is broken, and looping on it forever is not an
	// answer.
	for i := 0; i < 64; i++ {
		nonce, err := randomScalar(c, rand)
		if err != nil {
			return nil, err
		}
		if sig, ok := c.arith().sign(k.d, digest, nonce); ok {
			return sig, nil
		}
	}
	return nil, errors.New("gost: random source keeps producing nonces with r or s zero")
}

// signWithNonce signs with a caller-chosen nonce. Tests use it to check the
// published examples; nothing else may, since a known nonce reveals the key.
func (k *PrivateKey) signWithNonce(digest, nonce []byte) ([]byte, error) {
	c := k.pub.curve
	if len(digest) != c.Size() {
		return nil, ErrInvalidDigest
	}
	if len(nonce) != c.Size() || !c.arith().scalarValid(nonce) {
		return nil, errors.New("gost: nonce out of range")
	}
	sig, ok := c.arith().sign(k.d, digest, nonce)
	if !ok {
		return nil, errors.New("gost: r or s is zero for this nonce")
	}
	return sig, nil
}

// randomScalar draws a scalar uniformly from [1, q-1] by rejection: Size
// bytes with the bits above q's length cleared, retried while out of range
// (at most half the draws for q just above a power of two).
func randomScalar(c *Curve, r io.Reader) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	n := c.Size()
	top := c.prm.qBits - 8*(n-1) // bits used in the most significant byte
	mask := byte(0xFF)
	if top < 8 {
		mask = byte(1)<<uint(top) - 1
	}
	b := make([]byte, n)
	for i := 0; i < 1000; i++ {
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("gost: reading random bytes: %w", err)
		}
		b[n-1] &= mask // little-endian: the last byte is the most significant
		if c.arith().scalarValid(b) {
			return b, nil
		}
	}
	return nil, errors.New("gost: random source keeps returning out-of-range values")
}
