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
// the column that matches each 4-bit input is selected with masks built by
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
}

// SetColumns sets the S-box.
func (c *Core) SetColumns(t *Columns) { c.t = *t }

// SetKey sets the eight round keys K1..K8.
func (c *Core) SetKey(k *[8]uint32) { c.k = *k }

// Wipe clears the key.
func (c *Core) Wipe() { c.k = [8]uint32{} }

const nibbleLows = 0x11111111

// subst applies the eight 4-bit substitutions to x in constant time. For
// each table column j, e becomes zero in exactly the nibbles of x equal to
// j; folding each nibble's bits into its lowest bit and inverting gives a 1
// there, and multiplying by 15 widens it to a nibble mask (no carries: each
// nibble holds 0 or 1). The column's words are ORed in under that mask.
func (c *Core) subst(x uint32) uint32 {
	var r uint32
	for j := uint32(0); j < 16; j++ {
		e := x ^ (j * nibbleLows)
		e |= e >> 1
		e |= e >> 2
		m := ((e & nibbleLows) ^ nibbleLows) * 15
		r |= m & c.t[j]
	}
	return r
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
