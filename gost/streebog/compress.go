package streebog

import "encoding/binary"

// compressGeneric applies g_N(h, m) = E(LPS(h ⊕ N), m) ⊕ h ⊕ m (RFC 6986, 7.1)
// to h in place. E runs twelve rounds of s = LPS(s ⊕ K) beside the key
// schedule K = LPS(K ⊕ C_r), then adds the last key.
func compressGeneric(h, n, m *[8]uint64) {
	var k, s [8]uint64
	lpsXorGeneric(&k, h, n)
	s = *m
	for r := range 12 {
		lpsXorGeneric(&s, &s, &k)
		lpsXorGeneric(&k, &k, &roundConst[r])
	}
	for i := range 8 {
		h[i] ^= s[i] ^ k[i] ^ m[i]
	}
}

// loadBlock reads a 64-byte block as eight little-endian words.
func loadBlock(m *[8]uint64, b []byte) {
	_ = b[63]
	for i := range 8 {
		m[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
}

// add512 sets z = z + a mod 2^512.
func add512(z, a *[8]uint64) {
	var carry uint64
	for i := range 8 {
		s := z[i] + a[i]
		c1 := s < z[i]
		s2 := s + carry
		c2 := s2 < s
		z[i] = s2
		carry = 0
		if c1 || c2 {
			carry = 1
		}
	}
}

// addBits sets z = z + bits mod 2^512.
func addBits(z *[8]uint64, bits uint64) {
	for i := range 8 {
		old := z[i]
		z[i] += bits
		if z[i] >= old {
			return
		}
		bits = 1
	}
}
