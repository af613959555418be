package gost

import "math/big"

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
	fromLE(z *E, b []byte)
	toLE(b []byte, x *E)
	window(x *E, pos, w int) uint64
	bitLen() int
	addPlain(z, x, y *E) uint64
}

// bigToLimbs writes the non-negative x into z, least significant limb
// first. It is used once per curve while setting up constants.
func bigToLimbs(z []uint64, x *big.Int) {
	b := x.Bytes()
	for i := range z {
		z[i] = 0
	}
	for i := 0; i < len(b); i++ {
		k := len(b) - 1 - i // byte i from the least significant end
		z[i/8] |= uint64(b[k]) << (8 * uint(i%8))
	}
}
