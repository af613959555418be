package streebog

import (
	"math/rand/v2"
	"testing"
)

// TestLPSImplementationsAgree compares the table-driven transformation with
// a bit-by-bit rendering of S, P and L straight from the standard's
// definitions.
func TestLPSImplementationsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var x, key, x2 [8]uint64
		for i := range x {
			x[i] = rng.Uint64()
			key[i] = rng.Uint64()
			x2[i] = x[i] ^ key[i]
		}
		var b [8]uint64
		lpsXorGeneric(&b, &x, &key)
		if c := lpsDefinition(x2); b != c {
			t.Fatalf("lps(%x):\n generic %x\n defined %x", x2, b, c)
		}
		y := x
		lpsXorGeneric(&y, &y, &key)
		if y != b {
			t.Fatal("lpsXorGeneric in place differs")
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

// TestCompressImplementationsAgree compares the compression function in
// use (assembly where available) with the portable one.
func TestCompressImplementationsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		var h, n, m [8]uint64
		for i := range 8 {
			h[i], n[i], m[i] = rng.Uint64(), rng.Uint64(), rng.Uint64()
		}
		a, b := h, h
		compress(&a, &n, &m)
		compressGeneric(&b, &n, &m)
		if a != b {
			t.Fatalf("compress(%x, %x, %x):\n in use  %x\n generic %x", h, n, m, a, b)
		}
	}
}
