package blockmode

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"testing"
)

// testMagma is a minimal GOST R 34.12-2015 Magma (64-bit block, S-box of
// id-tc26-gost-28147-param-Z) so that the modes can be checked with a
// 64-bit cipher here; the product's Magma lives in its own package.
type testMagma struct{ k [8]uint32 }

var testMagmaSbox = [8][16]byte{
	{0xc, 0x4, 0x6, 0x2, 0xa, 0x5, 0xb, 0x9, 0xe, 0x8, 0xd, 0x7, 0x0, 0x3, 0xf, 0x1},
	{0x6, 0x8, 0x2, 0x3, 0x9, 0xa, 0x5, 0xc, 0x1, 0xe, 0x4, 0x7, 0xb, 0xd, 0x0, 0xf},
	{0xb, 0x3, 0x5, 0x8, 0x2, 0xf, 0xa, 0xd, 0xe, 0x1, 0x7, 0x4, 0xc, 0x9, 0x6, 0x0},
	{0xc, 0x8, 0x2, 0x1, 0xd, 0x4, 0xf, 0x6, 0x7, 0x0, 0xa, 0x5, 0x3, 0xe, 0x9, 0xb},
	{0x7, 0xf, 0x5, 0xa, 0x8, 0x1, 0x6, 0xd, 0x0, 0x9, 0x3, 0xe, 0xb, 0x4, 0x2, 0xc},
	{0x5, 0xd, 0xf, 0x6, 0x9, 0x2, 0xc, 0xa, 0xb, 0x7, 0x8, 0x1, 0x4, 0x3, 0xe, 0x0},
	{0x8, 0xe, 0x2, 0x5, 0x6, 0x9, 0x1, 0xc, 0xf, 0x4, 0xb, 0x0, 0xd, 0xa, 0x3, 0x7},
	{0x1, 0x7, 0xe, 0xd, 0x0, 0x5, 0x8, 0x3, 0x4, 0xf, 0xa, 0x6, 0x9, 0xc, 0xb, 0x2},
}

func newTestMagma(key []byte) (cipher.Block, error) {
	if len(key) != 32 {
		return nil, errors.New("magma: bad key size")
	}
	m := &testMagma{}
	for i := range m.k {
		m.k[i] = binary.BigEndian.Uint32(key[4*i:])
	}
	return m, nil
}

func (m *testMagma) BlockSize() int { return 8 }

func (m *testMagma) g(k, a uint32) uint32 {
	x := a + k
	var y uint32
	for i := 0; i < 8; i++ {
		y |= uint32(testMagmaSbox[i][x>>(4*i)&15]) << (4 * i)
	}
	return y<<11 | y>>21
}

func (m *testMagma) crypt(dst, src []byte, key func(int) uint32) {
	a1, a0 := binary.BigEndian.Uint32(src), binary.BigEndian.Uint32(src[4:])
	for i := 0; i < 32; i++ {
		a1, a0 = a0, m.g(key(i), a0)^a1
	}
	binary.BigEndian.PutUint32(dst, a0)
	binary.BigEndian.PutUint32(dst[4:], a1)
}

func (m *testMagma) Encrypt(dst, src []byte) {
	m.crypt(dst, src, func(i int) uint32 {
		if i < 24 {
			return m.k[i%8]
		}
		return m.k[7-i%8]
	})
}

func (m *testMagma) Decrypt(dst, src []byte) {
	m.crypt(dst, src, func(i int) uint32 {
		if i < 8 {
			return m.k[i]
		}
		return m.k[7-i%8]
	})
}

// TestTestMagma checks the helper against GOST R 34.12-2015 A.2.
func TestTestMagma(t *testing.T) {
	b, _ := newTestMagma(unhex(t, "ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"))
	out := make([]byte, 8)
	b.Encrypt(out, unhex(t, "fedcba9876543210"))
	if got, want := hexs(out), "4ee901e5c2d8ca3d"; got != want {
		t.Fatalf("encrypt: %s, want %s", got, want)
	}
	b.Decrypt(out, out)
	if got, want := hexs(out), "fedcba9876543210"; got != want {
		t.Fatalf("decrypt: %s, want %s", got, want)
	}
}
