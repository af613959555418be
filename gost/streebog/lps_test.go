package streebog

import (
	"math/rand/v2"
	"testing"
)

// TestLPSImplementationsAgree compares the transformation in use (assembly
// where available) with the portable one and with a bit-by-bit rendering
// of S, P and L straight from the standard's definitions.
func TestLPSImplementationsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var x, key, x2 [8]uint64
		for i := range x {
			x[i] = rng.Uint64()
			key[i] = rng.Uint64()
			x2[i] = x[i] ^ key[i]
		}
		var a, b [8]uint64
		lpsXor(&a, &x, &key)
		lpsXorGeneric(&b, &x, &key)
		if c := lpsDefinition(x2); a != c || b != c {
			t.Fatalf("lps(%x):\n in use  %x\n generic %x\n defined %x", x2, a, b, c)
		}
		y := x
		lpsXor(&y, &y, &key)
		if y != a {
			t.Fatal("lpsXor in place differs")
		}
	}
}

// lpsDefinition applies S, P and L one after another, as RFC 6986 section
// 6 defines them, on the state as 64 bytes.
func lpsDefinition(x [8]uint64) [8]uint64 {
	var a, b [64]byte
	for i := range 64 {
		a[i] = pi[byte(x[i/8]>>(8*(i%8)))]
	}
	for i := range 64 {
		b[8*(i%8)+i/8] = a[i]
	}
	var out [8]uint64
	for w := range 8 {
		var v uint64
		for i := range 8 {
			v |= uint64(b[8*w+i]) << (8 * i)
		}
		for bit := range 64 {
			if v>>(63-bit)&1 == 1 {
				out[w] ^= matrixA[bit]
			}
		}
	}
	return out
}
