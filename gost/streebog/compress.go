package streebog

import "encoding/binary"

// lps sets out = L(P(S(x))) for the 512-bit state x. It is written out in
// full: each input word is split into its bytes, and byte w of word i adds
// its table entry into output word w.
func lps(out, x *[8]uint64) {
	t := &lpsTable
	v := x[0]
	o0 := t[uint(uint8(v))]
	v >>= 8
	o1 := t[uint(uint8(v))]
	v >>= 8
	o2 := t[uint(uint8(v))]
	v >>= 8
	o3 := t[uint(uint8(v))]
	v >>= 8
	o4 := t[uint(uint8(v))]
	v >>= 8
	o5 := t[uint(uint8(v))]
	v >>= 8
	o6 := t[uint(uint8(v))]
	v >>= 8
	o7 := t[uint(uint8(v))]
	v = x[1]
	o0 ^= t[256+uint(uint8(v))]
	v >>= 8
	o1 ^= t[256+uint(uint8(v))]
	v >>= 8
	o2 ^= t[256+uint(uint8(v))]
	v >>= 8
	o3 ^= t[256+uint(uint8(v))]
	v >>= 8
	o4 ^= t[256+uint(uint8(v))]
	v >>= 8
	o5 ^= t[256+uint(uint8(v))]
	v >>= 8
	o6 ^= t[256+uint(uint8(v))]
	v >>= 8
	o7 ^= t[256+uint(uint8(v))]
	v = x[2]
	o0 ^= t[512+uint(uint8(v))]
	v >>= 8
	o1 ^= t[512+uint(uint8(v))]
	v >>= 8
	o2 ^= t[512+uint(uint8(v))]
	v >>= 8
	o3 ^= t[512+uint(uint8(v))]
	v >>= 8
	o4 ^= t[512+uint(uint8(v))]
	v >>= 8
	o5 ^= t[512+uint(uint8(v))]
	v >>= 8
	o6 ^= t[512+uint(uint8(v))]
	v >>= 8
	o7 ^= t[512+uint(uint8(v))]
	v = x[3]
	o0 ^= t[768+uint(uint8(v))]
	v >>= 8
	o1 ^= t[768+uint(uint8(v))]
	v >>= 8
	o2 ^= t[768+uint(uint8(v))]
	v >>= 8
	o3 ^= t[768+uint(uint8(v))]
	v >>= 8
	o4 ^= t[768+uint(uint8(v))]
	v >>= 8
	o5 ^= t[768+uint(uint8(v))]
	v >>= 8
	o6 ^= t[768+uint(uint8(v))]
	v >>= 8
	o7 ^= t[768+uint(uint8(v))]
	v = x[4]
	o0 ^= t[1024+uint(uint8(v))]
	v >>= 8
	o1 ^= t[1024+uint(uint8(v))]
	v >>= 8
	o2 ^= t[1024+uint(uint8(v))]
	v >>= 8
	o3 ^= t[1024+uint(uint8(v))]
	v >>= 8
	o4 ^= t[1024+uint(uint8(v))]
	v >>= 8
	o5 ^= t[1024+uint(uint8(v))]
	v >>= 8
	o6 ^= t[1024+uint(uint8(v))]
	v >>= 8
	o7 ^= t[1024+uint(uint8(v))]
	v = x[5]
	o0 ^= t[1280+uint(uint8(v))]
	v >>= 8
	o1 ^= t[1280+uint(uint8(v))]
	v >>= 8
	o2 ^= t[1280+uint(uint8(v))]
	v >>= 8
	o3 ^= t[1280+uint(uint8(v))]
	v >>= 8
	o4 ^= t[1280+uint(uint8(v))]
	v >>= 8
	o5 ^= t[1280+uint(uint8(v))]
	v >>= 8
	o6 ^= t[1280+uint(uint8(v))]
	v >>= 8
	o7 ^= t[1280+uint(uint8(v))]
	v = x[6]
	o0 ^= t[1536+uint(uint8(v))]
	v >>= 8
	o1 ^= t[1536+uint(uint8(v))]
	v >>= 8
	o2 ^= t[1536+uint(uint8(v))]
	v >>= 8
	o3 ^= t[1536+uint(uint8(v))]
	v >>= 8
	o4 ^= t[1536+uint(uint8(v))]
	v >>= 8
	o5 ^= t[1536+uint(uint8(v))]
	v >>= 8
	o6 ^= t[1536+uint(uint8(v))]
	v >>= 8
	o7 ^= t[1536+uint(uint8(v))]
	v = x[7]
	o0 ^= t[1792+uint(uint8(v))]
	v >>= 8
	o1 ^= t[1792+uint(uint8(v))]
	v >>= 8
	o2 ^= t[1792+uint(uint8(v))]
	v >>= 8
	o3 ^= t[1792+uint(uint8(v))]
	v >>= 8
	o4 ^= t[1792+uint(uint8(v))]
	v >>= 8
	o5 ^= t[1792+uint(uint8(v))]
	v >>= 8
	o6 ^= t[1792+uint(uint8(v))]
	v >>= 8
	o7 ^= t[1792+uint(uint8(v))]
	out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = o0, o1, o2, o3, o4, o5, o6, o7
}

// xor8 sets z = a ⊕ b.
func xor8(z, a, b *[8]uint64) {
	for i := range 8 {
		z[i] = a[i] ^ b[i]
	}
}

// compress applies g_N(h, m) = E(LPS(h ⊕ N), m) ⊕ h ⊕ m (RFC 6986, 7.1)
// to h in place.
func compress(h, n, m *[8]uint64) {
	var k, s [8]uint64
	xor8(&k, h, n)
	lps(&k, &k)
	s = *m
	for r := range 12 {
		xor8(&s, &s, &k)
		lps(&s, &s)
		xor8(&k, &k, &roundConst[r])
		lps(&k, &k)
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
