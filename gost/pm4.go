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

// inv sets z = x^-1 mod p by Fermat's little theorem (z = 0 when x = 0),
// with the public exponent's 4-bit digits choosing table entries.
func (f *pm4) inv(z, x *fe4) {
	var tab [16]fe4
	tab[0] = f.one
	tab[1] = *x
	for i := 2; i < 16; i++ {
		f.mul(&tab[i], &tab[i-1], x)
	}
	acc := f.one
	for i := 64*l4/4 - 1; i >= 0; i-- {
		for k := 0; k < 4; k++ {
			f.sqr(&acc, &acc)
		}
		d := (f.exp[i/16] >> (uint(i%16) * 4)) & 15
		f.mul(&acc, &acc, &tab[d])
	}
	*z = acc
}
