package g28147

import (
	"math/rand/v2"
	"testing"
)

// TestSubstMatchesTable checks the masked, constant-time substitution
// against plain table lookups for every nibble value in every position and
// for random words.
func TestSubstMatchesTable(t *testing.T) {
	var s SBox
	r := rand.New(rand.NewPCG(1, 2))
	for i := range s {
		for j, v := range r.Perm(16) {
			s[i][j] = byte(v)
		}
	}
	var c Core
	cols := s.Columns()
	c.SetColumns(&cols)
	lookup := func(x uint32) uint32 {
		var y uint32
		for i := 0; i < 8; i++ {
			y |= uint32(s[i][x>>(4*i)&15]) << (4 * i)
		}
		return y
	}
	for v := uint32(0); v < 16; v++ {
		x := v * nibbleLows
		if got, want := c.subst(x), lookup(x); got != want {
			t.Fatalf("subst(%08x) = %08x, want %08x", x, got, want)
		}
	}
	for n := 0; n < 100000; n++ {
		x := r.Uint32()
		if got, want := c.subst(x), lookup(x); got != want {
			t.Fatalf("subst(%08x) = %08x, want %08x", x, got, want)
		}
	}
}

// TestDecryptInvertsEncrypt checks the two key schedules against each
// other.
func TestDecryptInvertsEncrypt(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var s SBox
	for i := range s {
		for j, v := range r.Perm(16) {
			s[i][j] = byte(v)
		}
	}
	var c Core
	cols := s.Columns()
	c.SetColumns(&cols)
	var k [8]uint32
	for i := range k {
		k[i] = r.Uint32()
	}
	c.SetKey(&k)
	for n := 0; n < 1000; n++ {
		a, b := r.Uint32(), r.Uint32()
		x, y := c.Encrypt(a, b)
		if p, q := c.Decrypt(x, y); p != a || q != b {
			t.Fatalf("decrypt(encrypt(%08x %08x)) = %08x %08x", a, b, p, q)
		}
	}
}
