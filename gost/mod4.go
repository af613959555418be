package gost

//go:generate sh gen_mod8.sh
//go:generate sh -c "go run ./internal/genmul > mul_generated.go"

import (
	"encoding/binary"
	"math/big"
	"math/bits"
)

// l4 is the number of 64-bit limbs of a 256-bit residue.
const l4 = 4

// fe4 is a residue of at most 256 bits, least significant limb first. In
// the field and scalar code it is held in Montgomery form (x·R mod m,
// R = 2^256) unless a name says otherwise.
type fe4 = [l4]uint64

// mod4 is Montgomery arithmetic modulo an odd m < 2^256. Every method runs
// in time independent of the values of its operands (only the modulus,
// which is public, shapes the work). Results are fully reduced (< m) when
// the inputs are. Outputs may alias inputs.
type mod4 struct {
	m     fe4
	m0inv uint64 // -m^-1 mod 2^64
	rr    fe4    // R^2 mod m, to enter Montgomery form
	one   fe4    // R mod m, the Montgomery form of 1
	exp   fe4    // m-2, the inversion exponent
	rrr   fe4    // R^3 mod m, to bring a plain inverse into Montgomery form
}

// newMod4 prepares the constants for modulus m, which must be odd and
// below 2^256. math/big is used here only, once per curve.
func newMod4(m *big.Int) *mod4 {
	f := &mod4{}
	bigToLimbs(f.m[:], m)
	// Newton iteration for m^-1 mod 2^64.
	inv := uint64(1)
	for i := 0; i < 6; i++ {
		inv *= 2 - f.m[0]*inv
	}
	f.m0inv = -inv
	r := new(big.Int).Lsh(big.NewInt(1), 64*l4)
	bigToLimbs(f.one[:], new(big.Int).Mod(r, m))
	rr := new(big.Int).Mul(r, r)
	bigToLimbs(f.rr[:], rr.Mod(rr, m))
	rrr := new(big.Int).Mul(rr, r)
	bigToLimbs(f.rrr[:], rrr.Mod(rrr, m))
	bigToLimbs(f.exp[:], new(big.Int).Sub(m, big.NewInt(2)))
	return f
}

// mul is in mul_generated.go (go run ./internal/genmul).

// sqr is in mul_generated.go.

// reduce sets z = t - m when the (l4+1)-limb value hi:t is at least m, and
// z = t otherwise, without branching. hi:t must be below 2m.
func (f *mod4) reduce(z, t *fe4, hi uint64) {
	var u fe4
	var b uint64
	for j := 0; j < l4; j++ {
		u[j], b = bits.Sub64(t[j], f.m[j], b)
	}
	_, b = bits.Sub64(hi, 0, b)
	keep := -b // all ones when t < m
	for j := 0; j < l4; j++ {
		z[j] = (t[j] & keep) | (u[j] &^ keep)
	}
}

// add and sub are in mul_generated.go.

// neg sets z = -x mod m.
func (f *mod4) neg(z, x *fe4) {
	var zero fe4
	f.sub(z, &zero, x)
}

// cmov sets z = x when c is 1 and leaves z alone when c is 0.
func (f *mod4) cmov(z, x *fe4, c uint64) {
	mask := -c
	for j := 0; j < l4; j++ {
		z[j] ^= (z[j] ^ x[j]) & mask
	}
}

// isZero returns 1 when x is zero and 0 otherwise.
func (f *mod4) isZero(x *fe4) uint64 {
	var v uint64
	for j := 0; j < l4; j++ {
		v |= x[j]
	}
	return 1 ^ ((v | -v) >> 63)
}

// equal returns 1 when x == y and 0 otherwise.
func (f *mod4) equal(x, y *fe4) uint64 {
	var v uint64
	for j := 0; j < l4; j++ {
		v |= x[j] ^ y[j]
	}
	return 1 ^ ((v | -v) >> 63)
}

// less returns 1 when the plain value x is below m and 0 otherwise.
func (f *mod4) less(x *fe4) uint64 {
	var b uint64
	for j := 0; j < l4; j++ {
		_, b = bits.Sub64(x[j], f.m[j], b)
	}
	return b
}

// setOne sets z to the Montgomery form of 1.
func (f *mod4) setOne(z *fe4) { *z = f.one }

// toMont sets z = x·R mod m. x may be any value below R, so this also
// reduces a plain value modulo m.
func (f *mod4) toMont(z, x *fe4) { f.mul(z, x, &f.rr) }

// fromMont sets z = x·R^-1 mod m, the plain value of a Montgomery residue.
func (f *mod4) fromMont(z, x *fe4) {
	one := fe4{1}
	f.mul(z, x, &one)
}

// inv sets z = x^-1 in Montgomery form by Fermat's little theorem (m must
// be prime); z = 0 when x = 0. The exponent is public, so a fixed 4-bit
// window indexed by its digits keeps the time independent of x.
func (f *mod4) inv(z, x *fe4) {
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

// invVartime sets z = x^-1 in Montgomery form, like inv, but by the
// binary extended Euclidean algorithm, whose time depends on x: for public
// values only (the verification's e). z = 0 when x = 0.
func (f *mod4) invVartime(z, x *fe4) {
	// x = aR; its plain inverse is a^-1·R^-1, and a Montgomery product with
	// R^3 gives a^-1·R.
	var y fe4
	f.invPlainVartime(&y, x)
	f.mul(z, &y, &f.rrr)
}

// invPlainVartime sets z = x^-1 mod m for a plain x < m (m prime), in
// variable time; z = 0 when x = 0.
func (f *mod4) invPlainVartime(z, x *fe4) {
	if f.isZero(x) == 1 {
		*z = fe4{}
		return
	}
	u, v := *x, f.m
	x1, x2 := fe4{1}, fe4{}
	one := fe4{1}
	for f.equal(&u, &one) == 0 && f.equal(&v, &one) == 0 {
		for u[0]&1 == 0 {
			shr1(u[:], 0)
			f.halve(&x1)
		}
		for v[0]&1 == 0 {
			shr1(v[:], 0)
			f.halve(&x2)
		}
		if geq(u[:], v[:]) {
			subInPlace(u[:], v[:])
			f.sub(&x1, &x1, &x2)
		} else {
			subInPlace(v[:], u[:])
			f.sub(&x2, &x2, &x1)
		}
	}
	if f.equal(&u, &one) == 1 {
		*z = x1
	} else {
		*z = x2
	}
}

// halve sets x = x/2 mod m for a plain x < m, in variable time.
func (f *mod4) halve(x *fe4) {
	if x[0]&1 == 0 {
		shr1(x[:], 0)
		return
	}
	var c uint64
	for j := 0; j < l4; j++ {
		x[j], c = bits.Add64(x[j], f.m[j], c)
	}
	shr1(x[:], c)
}

// fromLE sets z to the plain value of b, a little-endian number of exactly
// 8·l4 bytes.
func (f *mod4) fromLE(z *fe4, b []byte) {
	_ = b[8*l4-1]
	for j := 0; j < l4; j++ {
		z[j] = binary.LittleEndian.Uint64(b[8*j:])
	}
}

// toLE writes the plain value x into b as 8·l4 little-endian bytes.
func (f *mod4) toLE(b []byte, x *fe4) {
	_ = b[8*l4-1]
	for j := 0; j < l4; j++ {
		binary.LittleEndian.PutUint64(b[8*j:], x[j])
	}
}

// window returns bits pos..pos+w-1 (w < 64) of the plain value x; bits
// beyond the top read as zero. pos and w are public.
func (f *mod4) window(x *fe4, pos, w int) uint64 {
	limb, off := pos/64, uint(pos%64)
	if limb >= l4 {
		return 0
	}
	v := x[limb] >> off
	if off+uint(w) > 64 && limb+1 < l4 {
		v |= x[limb+1] << (64 - off)
	}
	return v & (1<<uint(w) - 1)
}

// bitLen returns the number of bits of a residue.
func (f *mod4) bitLen() int { return 64 * l4 }

// addPlain sets z = x + y as plain integers and returns the carry out.
func (f *mod4) addPlain(z, x, y *fe4) uint64 {
	var c uint64
	for j := 0; j < l4; j++ {
		z[j], c = bits.Add64(x[j], y[j], c)
	}
	return c
}
