package gost

import (
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"sync"
)

// Object identifiers of the GOST R 34.10-2012 public keys and the
// GOST R 34.11-2012 (Streebog) digests (RFC 9215, section 2).
var (
	oidKey256    = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
	oidKey512    = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}
	oidDigest256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	oidDigest512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}
	// oidKey2001 is the GOST R 34.10-2001 key, read as a 256-bit key.
	oidKey2001 = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 19}
)

// Curve is a GOST R 34.10-2012 parameter set: an elliptic curve
// y² = x³ + ax + b over GF(p) with a base point G of prime order q.
// Curves are created by this package only and are safe for concurrent use.
type Curve struct {
	prm *curveParams

	once sync.Once
	ops  curveOps
}

// curveParams are the constants of a parameter set.
type curveParams struct {
	name     string
	aliases  []string // short names, as OpenSSL's paramset option spells them
	oid      asn1.ObjectIdentifier
	size     int  // bytes of a coordinate
	withHash bool // SubjectPublicKeyInfo parameters name the digest
	cofactor int

	p, a, b, q, x, y *big.Int
	qBits            int
	// edD is d of the curve's twisted Edwards form with e = 1, or nil.
	edD *big.Int
}

// Name returns the parameter set's name, for example
// "id-tc26-gost-3410-12-256-paramSetA".
func (c *Curve) Name() string { return c.prm.name }

// OID returns the parameter set's object identifier (publicKeyParamSet).
func (c *Curve) OID() asn1.ObjectIdentifier { return append(asn1.ObjectIdentifier(nil), c.prm.oid...) }

// Size returns the length in bytes of a coordinate, of a digest, and of
// each of r and s: 32 or 64.
func (c *Curve) Size() int { return c.prm.size }

// Order returns q, the prime order of the base point, as a new big.Int.
func (c *Curve) Order() *big.Int { return new(big.Int).Set(c.prm.q) }

// KeyOID returns the public key algorithm: id-tc26-gost3410-12-256 or -512.
func (c *Curve) KeyOID() asn1.ObjectIdentifier {
	if c.prm.size == 64 {
		return append(asn1.ObjectIdentifier(nil), oidKey512...)
	}
	return append(asn1.ObjectIdentifier(nil), oidKey256...)
}

// DigestOID returns the Streebog digest that goes with the key size:
// id-tc26-gost3411-12-256 or -512.
func (c *Curve) DigestOID() asn1.ObjectIdentifier {
	if c.prm.size == 64 {
		return append(asn1.ObjectIdentifier(nil), oidDigest512...)
	}
	return append(asn1.ObjectIdentifier(nil), oidDigest256...)
}

// String returns the name.
func (c *Curve) String() string { return c.prm.name }

// arith returns the curve's arithmetic, set up on first use.
func (c *Curve) arith() curveOps {
	c.once.Do(func() {
		// Fields modulo 2^n - c take the cheaper pseudo-Mersenne
		// reduction; the others, and every scalar field, Montgomery's.
		switch {
		case c.prm.size == 32 && newPM4(c.prm.p) != nil:
			c.ops = newCurveArith4p(c.prm, newPM4(c.prm.p), newMod4(c.prm.q))
		case c.prm.size == 32:
			c.ops = newCurveArith4m(c.prm, newMod4(c.prm.p), newMod4(c.prm.q))
		case newPM8(c.prm.p) != nil:
			c.ops = newCurveArith8p(c.prm, newPM8(c.prm.p), newMod8(c.prm.q))
		default:
			c.ops = newCurveArith8m(c.prm, newMod8(c.prm.p), newMod8(c.prm.q))
		}
	})
	return c.ops
}

// Curves returns every parameter set this package knows.
func Curves() []*Curve {
	return append([]*Curve(nil), allCurves...)
}

// CurveByOID returns the parameter set with the given publicKeyParamSet
// object identifier.
func CurveByOID(oid asn1.ObjectIdentifier) (*Curve, error) {
	for _, c := range allCurves {
		if c.prm.oid.Equal(oid) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: %v", ErrUnknownParamSet, oid)
}

// CurveByName returns the parameter set with the given name: the full name
// (Name), or a short one as OpenSSL's GOST engine spells its paramset
// option: "TCA".."TCD", "A", "B", "C", "XA", "XB" for 256-bit keys (note
// that "A" is CryptoPro A, not TC26 A), "512A", "512B", "512C", and
// "test256", "test512" for the RFC 7091 example curves. Case is ignored.
func CurveByName(name string) (*Curve, error) {
	for _, c := range allCurves {
		if strings.EqualFold(c.prm.name, name) {
			return c, nil
		}
		for _, a := range c.prm.aliases {
			if strings.EqualFold(a, name) {
				return c, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownParamSet, name)
}
