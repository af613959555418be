// Package g28147 is the round function of the GOST 28147-89 block cipher
// (GOST R 34.12-2015 "Magma"), shared by the gost/magma cipher and modes and
// by the gost/gostr341194 hash.
//
// The core works on the two 32-bit halves of a block and on eight 32-bit
// round keys; loading those from bytes is the caller's business, since the
// two standards order bytes differently (see the magma package).
//
// The S-box substitution is computed without indexing memory by secret
// data: every one of the sixteen table columns is read for every round, and
// the entry that matches each 4-bit input is selected with masks built by
// arithmetic on the input (see subst).
package g28147

// SBox is a substitution table: row i maps the 4-bit nibble i of the round
// function's input (bits 4i..4i+3, i = 0 the least significant), that is the
// node K(i+1) of GOST 28147-89 and π'(i) of GOST R 34.12-2015.
type SBox [8][16]byte

// FromK8 builds an SBox from rows listed from K8 (the most significant
// nibble) down to K1, the order in which most published tables print them.
func FromK8(rows [8][16]byte) SBox {
	var s SBox
	for i := range rows {
		s[7-i] = rows[i]
	}
	return s
}

// Columns is an SBox rearranged for constant-time substitution: word j
// holds, in its nibble i, the image of the value j under row i.
type Columns [16]uint32

// Columns returns the table in the form subst uses.
func (s *SBox) Columns() Columns {
	var c Columns
	for j := 0; j < 16; j++ {
		var w uint32
		for i := 0; i < 8; i++ {
			w |= uint32(s[i][j]&15) << (4 * i)
		}
		c[j] = w
	}
	return c
}

// Core is one key with one S-box. The zero value is not usable: set the key
// with SetKey and the S-box with SetColumns.
type Core struct {
	k [8]uint32
	t Columns
	d [8]uint32 // t[2i] ^ t[2i+1], the first level of subst's selection
}

// SetColumns sets the S-box.
func (c *Core) SetColumns(t *Columns) {
	c.t = *t
	for i := range c.d {
		c.d[i] = t[2*i] ^ t[2*i+1]
	}
}

// SetKey sets the eight round keys K1..K8.
func (c *Core) SetKey(k *[8]uint32) { c.k = *k }

// Wipe clears the key.
func (c *Core) Wipe() { c.k = [8]uint32{} }

const nibbleLows = 0x11111111

// subst applies the eight 4-bit substitutions to x in constant time, as a
// tree of selections driven by masks. Bit b of every nibble of x, spread to
// a whole-nibble mask (0 or 0xF in each nibble, by multiplying the isolated
// bit by 15, which cannot carry), chooses in every nibble at once between
// two candidate words: bit 0 picks between columns 2i and 2i+1, bit 1
// between the pairs so chosen, and so on, until one word holds in every
// nibble the image of that nibble. All sixteen columns are read whatever x
// is, and no branch or address depends on it.
func (c *Core) subst(x uint32) uint32 {
	m0 := (x & nibbleLows) * 15
	m1 := (x >> 1 & nibbleLows) * 15
	m2 := (x >> 2 & nibbleLows) * 15
	m3 := (x >> 3 & nibbleLows) * 15
	t, d := &c.t, &c.d
	a0 := t[0] ^ d[0]&m0
	a1 := t[2] ^ d[1]&m0
	a2 := t[4] ^ d[2]&m0
	a3 := t[6] ^ d[3]&m0
	a4 := t[8] ^ d[4]&m0
	a5 := t[10] ^ d[5]&m0
	a6 := t[12] ^ d[6]&m0
	a7 := t[14] ^ d[7]&m0
	b0 := a0 ^ (a0^a1)&m1
	b1 := a2 ^ (a2^a3)&m1
	b2 := a4 ^ (a4^a5)&m1
	b3 := a6 ^ (a6^a7)&m1
	e0 := b0 ^ (b0^b1)&m2
	e1 := b2 ^ (b2^b3)&m2
	return e0 ^ (e0^e1)&m3
}

// f is the round function: add the round key, substitute, rotate left by 11.
func (c *Core) f(x uint32) uint32 {
	x = c.subst(x)
	return x<<11 | x>>21
}

// Encrypt runs the 32 rounds of encryption on the halves n1 (the low one,
// A0 in GOST R 34.12-2015) and n2 and returns the output's low and high
// halves.
func (c *Core) Encrypt(n1, n2 uint32) (lo, hi uint32) {
	k := &c.k
	for r := 0; r < 3; r++ {
		n2 ^= c.f(n1 + k[0])
		n1 ^= c.f(n2 + k[1])
		n2 ^= c.f(n1 + k[2])
		n1 ^= c.f(n2 + k[3])
		n2 ^= c.f(n1 + k[4])
		n1 ^= c.f(n2 + k[5])
		n2 ^= c.f(n1 + k[6])
		n1 ^= c.f(n2 + k[7])
	}
	n2 ^= c.f(n1 + k[7])
	n1 ^= c.f(n2 + k[6])
	n2 ^= c.f(n1 + k[5])
	n1 ^= c.f(n2 + k[4])
	n2 ^= c.f(n1 + k[3])
	n1 ^= c.f(n2 + k[2])
	n2 ^= c.f(n1 + k[1])
	n1 ^= c.f(n2 + k[0])
	return n2, n1
}

// Decrypt runs the 32 rounds of decryption; it is Encrypt with the key
// schedule reversed.
func (c *Core) Decrypt(n1, n2 uint32) (lo, hi uint32) {
	k := &c.k
	n2 ^= c.f(n1 + k[0])
	n1 ^= c.f(n2 + k[1])
	n2 ^= c.f(n1 + k[2])
	n1 ^= c.f(n2 + k[3])
	n2 ^= c.f(n1 + k[4])
	n1 ^= c.f(n2 + k[5])
	n2 ^= c.f(n1 + k[6])
	n1 ^= c.f(n2 + k[7])
	for r := 0; r < 3; r++ {
		n2 ^= c.f(n1 + k[7])
		n1 ^= c.f(n2 + k[6])
		n2 ^= c.f(n1 + k[5])
		n1 ^= c.f(n2 + k[4])
		n2 ^= c.f(n1 + k[3])
		n1 ^= c.f(n2 + k[2])
		n2 ^= c.f(n1 + k[1])
		n1 ^= c.f(n2 + k[0])
	}
	return n2, n1
}

// MAC16 runs the 16 rounds of the GOST 28147-89 MAC mode (K1..K8 twice) and
// returns the halves without the final swap, as the standard stores them.
func (c *Core) MAC16(n1, n2 uint32) (lo, hi uint32) {
	k := &c.k
	for r := 0; r < 2; r++ {
		n2 ^= c.f(n1 + k[0])
		n1 ^= c.f(n2 + k[1])
		n2 ^= c.f(n1 + k[2])
		n1 ^= c.f(n2 + k[3])
		n2 ^= c.f(n1 + k[4])
		n1 ^= c.f(n2 + k[5])
		n2 ^= c.f(n1 + k[6])
		n1 ^= c.f(n2 + k[7])
	}
	return n1, n2
}
