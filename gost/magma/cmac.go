package magma

import (
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
)

// CMAC is the message authentication code of GOST R 34.13-2015 section
// 5.6 for Magma (OMAC1/CMAC with the constant R64 = 0x1b), what OpenSSL's
// engine calls magma-mac. Use it with a cipher in OrderMagma. It
// implements hash.Hash.
type CMAC struct {
	c      *Cipher
	k1, k2 [BlockSize]byte
	state  [BlockSize]byte
	buf    [BlockSize]byte
	nbuf   int
	size   int
}

// NewCMAC returns the GOST R 34.13-2015 MAC with size bytes of output
// (1 to 8; the standard's examples use 4 and 8).
func NewCMAC(c *Cipher, size int) (*CMAC, error) {
	if size < 1 || size > BlockSize {
		return nil, fmt.Errorf("magma: %w (got %d)", ErrMACSize, size)
	}
	m := &CMAC{c: c, size: size}
	var l [BlockSize]byte
	c.Encrypt(l[:], l[:])
	m.k1 = shiftKey(l)
	m.k2 = shiftKey(m.k1)
	clear(l[:])
	return m, nil
}

// shiftKey doubles a block in GF(2^64): shift left by one bit and, when
// the top bit fell out, XOR 0x1b into the last byte, without branching on
// the (secret) value.
func shiftKey(b [BlockSize]byte) [BlockSize]byte {
	v := binary.BigEndian.Uint64(b[:])
	top := v >> 63
	v = v<<1 ^ (0x1b & -top)
	var out [BlockSize]byte
	binary.BigEndian.PutUint64(out[:], v)
	return out
}

var _ hash.Hash = (*CMAC)(nil)

// Reset restores the initial state.
func (m *CMAC) Reset() {
	m.state, m.buf, m.nbuf = [BlockSize]byte{}, [BlockSize]byte{}, 0
}

// Size returns the MAC length in bytes.
func (m *CMAC) Size() int { return m.size }

// BlockSize returns 8.
func (m *CMAC) BlockSize() int { return BlockSize }

// Write adds data. The last block is held back until Sum, which treats it
// specially.
func (m *CMAC) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if m.nbuf == BlockSize {
			subtle.XORBytes(m.state[:], m.state[:], m.buf[:])
			m.c.Encrypt(m.state[:], m.state[:])
			m.nbuf = 0
		}
		k := copy(m.buf[m.nbuf:], p)
		m.nbuf += k
		p = p[k:]
	}
	return n, nil
}

// Sum appends the MAC to b without changing the state.
func (m *CMAC) Sum(b []byte) []byte {
	last := m.buf
	key := &m.k1
	if m.nbuf < BlockSize {
		clear(last[m.nbuf:])
		last[m.nbuf] = 0x80
		key = &m.k2
	}
	var s [BlockSize]byte
	subtle.XORBytes(s[:], m.state[:], last[:])
	subtle.XORBytes(s[:], s[:], key[:])
	m.c.Encrypt(s[:], s[:])
	return append(b, s[:m.size]...)
}
