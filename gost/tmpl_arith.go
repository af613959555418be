//go:build ignore

// This file is a template: gen_curves.sh writes one concrete copy per
// residue size and field type (curve_*_generated.go), because method calls
// through type parameters are indirect and defeat inlining and escape
// analysis in the hot loops.

package gost

import (
	"math/big"
	"sync"
)

// modArith is the Montgomery arithmetic the curve code needs, implemented
// by *mod4 (256-bit curves) and *mod8 (512-bit curves) over their residue
// types E. The same interface serves the field (modulo p) and the scalars
// (modulo q). Every method is constant time; see mod4.
type modArith[E any] interface {
	mul(z, x, y *E)
	sqr(z, x *E)
	add(z, x, y *E)
	sub(z, x, y *E)
	neg(z, x *E)
	cmov(z, x *E, c uint64)
	isZero(x *E) uint64
	equal(x, y *E) uint64
	less(x *E) uint64
	setOne(z *E)
	toMont(z, x *E)
	fromMont(z, x *E)
	inv(z, x *E)
	invVartime(z, x *E)
	fromLE(z *E, b []byte)
	toLE(b []byte, x *E)
	window(x *E, pos, w int) uint64
	bitLen() int
	addPlain(z, x, y *E) uint64
}

// curveArith holds one curve's constants and its lazily built table of
// base-point multiples. It is safe for concurrent use.
type curveArith[E any, FP modArith[E], FQ modArith[E]] struct {
	fp       FP
	fq       FQ
	size     int
	a, b, b3 E // curve coefficients, Montgomery form modulo p
	aMinus3  bool
	qPlain   E // q as a plain value, for the verification's x candidates
	g        affine[E]

	// Twisted Edwards form u² + v² = 1 + d·u²v² (RFC 7836, e = 1) where
	// the parameter set has one; x = s(1+v)/(1-v) + t, y = s(1+v)/((1-v)u).
	edwards    bool
	ed, es, et E
	eTableOnce sync.Once
	eTable     []ecombRow[E]
	eGOdd      []eaffine[E]

	tableOnce sync.Once
	table     []combRow[E]
	gOdd      []affine[E] // G, 3G, 5G, ...: the verification's NAF table
}

// newCurveArith converts the curve's constants into Montgomery form.
func newCurveArith[E any, FP modArith[E], FQ modArith[E]](prm *curveParams, fp FP, fq FQ) *curveArith[E, FP, FQ] {
	c := &curveArith[E, FP, FQ]{fp: fp, fq: fq, size: prm.size}
	set := func(z *E, v *big.Int) {
		b := make([]byte, prm.size)
		v.FillBytes(b)
		reverse(b)
		var t E
		fp.fromLE(&t, b)
		fp.toMont(z, &t)
	}
	set(&c.a, prm.a)
	set(&c.b, prm.b)
	set(&c.b3, new(big.Int).Mod(new(big.Int).Mul(prm.b, big.NewInt(3)), prm.p))
	set(&c.g.x, prm.x)
	set(&c.g.y, prm.y)
	c.aMinus3 = new(big.Int).Sub(prm.p, prm.a).Cmp(big.NewInt(3)) == 0
	if prm.edD != nil {
		// s = (e - d)/4, t = (e + d)/6 with e = 1 (RFC 7836, A.2).
		one := big.NewInt(1)
		sv := new(big.Int).Sub(one, prm.edD)
		sv.Mul(sv, new(big.Int).ModInverse(big.NewInt(4), prm.p)).Mod(sv, prm.p)
		tv := new(big.Int).Add(one, prm.edD)
		tv.Mul(tv, new(big.Int).ModInverse(big.NewInt(6), prm.p)).Mod(tv, prm.p)
		c.edwards = true
		set(&c.ed, prm.edD)
		set(&c.es, sv)
		set(&c.et, tv)
	}
	qb := make([]byte, prm.size)
	prm.q.FillBytes(qb)
	reverse(qb)
	fp.fromLE(&c.qPlain, qb)
	return c
}

// scalarFromLE reads a little-endian scalar.
func (c *curveArith[E, FP, FQ]) scalarFromLE(b []byte) E {
	var z E
	c.fq.fromLE(&z, b)
	return z
}

func (c *curveArith[E, FP, FQ]) scalarValid(d []byte) bool {
	k := c.scalarFromLE(d)
	return c.fq.less(&k)&(1^c.fq.isZero(&k)) == 1
}

func (c *curveArith[E, FP, FQ]) publicKey(d []byte) []byte {
	k := c.scalarFromLE(d)
	var x, y E
	c.scalarBaseMult(&x, &y, &k)
	return c.encodePoint(&x, &y)
}

// encodePoint returns LE(X) || LE(Y) for Montgomery-form coordinates.
func (c *curveArith[E, FP, FQ]) encodePoint(x, y *E) []byte {
	out := make([]byte, 2*c.size)
	var t E
	c.fp.fromMont(&t, x)
	c.fp.toLE(out[:c.size], &t)
	c.fp.fromMont(&t, y)
	c.fp.toLE(out[c.size:], &t)
	return out
}

// decodePoint parses LE(X) || LE(Y) into Montgomery-form affine
// coordinates, checking that both are below p and that the point is on the
// curve.
func (c *curveArith[E, FP, FQ]) decodePoint(pub []byte) (affine[E], bool) {
	var a affine[E]
	if len(pub) != 2*c.size {
		return a, false
	}
	var x, y E
	c.fp.fromLE(&x, pub[:c.size])
	c.fp.fromLE(&y, pub[c.size:])
	if c.fp.less(&x)&c.fp.less(&y) != 1 {
		return a, false
	}
	c.fp.toMont(&a.x, &x)
	c.fp.toMont(&a.y, &y)
	return a, c.onCurve(&a.x, &a.y)
}

func (c *curveArith[E, FP, FQ]) pointValid(pub []byte) bool {
	_, ok := c.decodePoint(pub)
	return ok
}

// digestScalar returns e = digest mod q in Montgomery form, with e = 1 when
// the digest is a multiple of q (GOST R 34.10-2012, 6.1 step 2).
func (c *curveArith[E, FP, FQ]) digestScalar(digest []byte) E {
	var e, eM, one E
	c.fq.fromLE(&e, digest)
	c.fq.toMont(&eM, &e)
	c.fq.setOne(&one)
	c.fq.cmov(&eM, &one, c.fq.isZero(&eM))
	return eM
}

// sign follows GOST R 34.10-2012, 6.1 (RFC 7091, section 6.1), in constant
// time with respect to d and k.
func (c *curveArith[E, FP, FQ]) sign(dLE, digest, kLE []byte) ([]byte, bool) {
	fq := c.fq
	d := c.scalarFromLE(dLE)
	k := c.scalarFromLE(kLE)
	var dM E
	fq.toMont(&dM, &d)
	eM := c.digestScalar(digest)

	var x, y, r, s, t E
	c.scalarBaseMult(&x, &y, &k)
	c.fp.fromMont(&x, &x)
	// r = x mod q: entering Montgomery form reduces any value below R.
	fq.toMont(&r, &x)
	fq.fromMont(&r, &r)
	// A plain value times a Montgomery form is a plain product.
	fq.mul(&s, &r, &dM)
	fq.mul(&t, &k, &eM)
	fq.add(&s, &s, &t)
	if fq.isZero(&r)|fq.isZero(&s) != 0 {
		return nil, false
	}
	sig := make([]byte, 2*c.size)
	fq.toLE(sig[:c.size], &s)
	fq.toLE(sig[c.size:], &r)
	reverse(sig[:c.size])
	reverse(sig[c.size:])
	return sig, true
}

// verify follows GOST R 34.10-2012, 6.2 (RFC 7091, section 6.2). It handles
// public data only and may take variable time.
func (c *curveArith[E, FP, FQ]) verify(pub, digest, sig []byte) error {
	fq := c.fq
	q, ok := c.decodePoint(pub)
	if !ok {
		return ErrInvalidPublicKey
	}
	sb := make([]byte, 2*c.size)
	copy(sb, sig)
	reverse(sb[:c.size])
	reverse(sb[c.size:])
	s := c.scalarFromLE(sb[:c.size])
	r := c.scalarFromLE(sb[c.size:])
	if fq.isZero(&r) == 1 || fq.isZero(&s) == 1 || fq.less(&r) == 0 || fq.less(&s) == 0 {
		return errRange
	}
	eM := c.digestScalar(digest)
	var v, z1, z2 E
	fq.invVartime(&v, &eM)
	fq.mul(&z1, &s, &v)
	fq.mul(&z2, &r, &v)
	fq.neg(&z2, &z2)

	if c.edwards {
		var p epoint[E]
		c.eMulDoubleVartime(&p, &z1, &q, &z2)
		if !c.eXEquals(&p, &r) {
			return errMismatch
		}
		return nil
	}
	var p point[E]
	c.mulDoubleVartime(&p, &z1, &q, &z2)
	if !c.jacXEquals(&p, &r) {
		return errMismatch
	}
	return nil
}

func (c *curveArith[E, FP, FQ]) mulScalars(x, y []byte) []byte {
	a := c.scalarFromLE(x)
	b := c.scalarFromLE(y)
	var aM, z E
	c.fq.toMont(&aM, &a)
	c.fq.mul(&z, &b, &aM)
	out := make([]byte, c.size)
	c.fq.toLE(out, &z)
	return out
}
