package gost

import "math/big"

// pm4 is arithmetic modulo a pseudo-Mersenne prime p = 2^256 - c with a
// small c (the CryptoPro A and TC26 A field). Residues are held as plain
// values below p, so toMont and fromMont only copy or reduce; the
// reduction after a product folds the high half by c, which is cheaper
// than a Montgomery reduction. Additions, comparisons and encodings are
// those of mod4. Every method is constant time.
type pm4 struct {
	mod4
	c uint64
}

// newPM4 returns pseudo-Mersenne arithmetic modulo m, or nil when m is not
// 2^256 - c with c < 2^31.
func newPM4(m *big.Int) *pm4 {
	r := new(big.Int).Lsh(big.NewInt(1), 64*l4)
	c := new(big.Int).Sub(r, m)
	if c.Sign() <= 0 || c.BitLen() > 31 {
		return nil
	}
	f := &pm4{c: c.Uint64()}
	bigToLimbs(f.m[:], m)
	f.one = fe4{1}
	bigToLimbs(f.exp[:], new(big.Int).Sub(m, big.NewInt(2)))
	return f
}

// sqr is in mul_generated.go.

// toMont reduces x, any value below 2^256, modulo p.
func (f *pm4) toMont(z, x *fe4) { f.reduce(z, x, 0) }

// fromMont copies x: residues are plain values.
func (f *pm4) fromMont(z, x *fe4) { *z = *x }

// invVartime sets z = x^-1 mod p in variable time (residues are plain
// here); for public values only.
func (f *pm4) invVartime(z, x *fe4) { f.invPlainVartime(z, x) }

// inv sets z = x^-1 mod p by Fermat's little theorem (z = 0 when x = 0),
// with an addition chain that uses the shape of the exponent:
// p - 2 = (2^m - 1)·2^32 + r with m = 64·l4 - 32 and r = 2^32 - c - 2.
// The chain depends on p only, so the time does not depend on x.
func (f *pm4) inv(z, x *fe4) {
	const m = 64*l4 - 32
	// pows[j] = x^(2^(2^j) - 1).
	var pows [10]fe4
	pows[0] = *x
	top := 0
	for (2 << top) <= m {
		t := pows[top]
		for i := 0; i < 1<<top; i++ {
			f.sqr(&t, &t)
		}
		f.mul(&pows[top+1], &t, &pows[top])
		top++
	}
	acc := pows[top]
	for j := top - 1; j >= 0; j-- {
		if m&(1<<j) == 0 {
			continue
		}
		for i := 0; i < 1<<j; i++ {
			f.sqr(&acc, &acc)
		}
		f.mul(&acc, &acc, &pows[j])
	}
	// acc = x^(2^m - 1); append the 32 low bits r in 4-bit windows.
	r := uint64(1)<<32 - f.c - 2
	var tab [16]fe4
	tab[0] = f.one
	tab[1] = *x
	for i := 2; i < 16; i++ {
		f.mul(&tab[i], &tab[i-1], x)
	}
	for i := 7; i >= 0; i-- {
		for k := 0; k < 4; k++ {
			f.sqr(&acc, &acc)
		}
		f.mul(&acc, &acc, &tab[(r>>(4*uint(i)))&15])
	}
	*z = acc
}
