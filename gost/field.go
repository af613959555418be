package gost

import "math/big"

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
