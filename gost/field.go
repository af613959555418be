package gost

import (
	"math/big"
	"math/bits"
)

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

// shr1 shifts the little-endian words x right by one bit, shifting top in
// at the most significant end.
func shr1(x []uint64, top uint64) {
	for i := 0; i < len(x)-1; i++ {
		x[i] = x[i]>>1 | x[i+1]<<63
	}
	x[len(x)-1] = x[len(x)-1]>>1 | top<<63
}

// geq reports whether x >= y for little-endian words of equal length, in
// variable time.
func geq(x, y []uint64) bool {
	for i := len(x) - 1; i >= 0; i-- {
		if x[i] != y[i] {
			return x[i] > y[i]
		}
	}
	return true
}

// subInPlace sets x = x - y for x >= y.
func subInPlace(x, y []uint64) {
	var b uint64
	for i := range x {
		x[i], b = bits.Sub64(x[i], y[i], b)
	}
}
