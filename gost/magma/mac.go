package magma

import (
	"encoding/binary"
	"fmt"
	"hash"
)

// MAC is the GOST 28147-89 message authentication code ("imitovstavka"):
// each 8-byte block is XORed into the state, which goes through 16 rounds
// of the cipher (K1..K8 twice); the last partial block is padded with
// zeros, and a message of one block gets a zero block more. The value is
// the first Size bytes of the state, in the cipher's byte order (4 bytes is
// the usual 32-bit imitovstavka). It implements hash.Hash.
type MAC struct {
	c0     *Cipher
	c      *Cipher
	iv     [BlockSize]byte
	state  [BlockSize]byte
	part   [BlockSize]byte
	nPart  int
	n      int // bytes MACed since the key last changed
	blocks int
	size   int
	mesh   Meshing
}

// NewMAC returns the MAC with a zero initial state; size is the output
// length in bytes, 1 to 8. With CryptoProMeshing the key is meshed every
// 1024 bytes (RFC 4357 section 2.3.1), as OpenSSL's gost-mac does.
func NewMAC(c *Cipher, size int, mesh Meshing) (*MAC, error) {
	return NewMACWithIV(c, make([]byte, BlockSize), size, mesh)
}

// NewMACWithIV returns the MAC with an initial state, as RFC 4357 key
// wrapping uses the UKM (gost28147IMIT).
func NewMACWithIV(c *Cipher, iv []byte, size int, mesh Meshing) (*MAC, error) {
	if size < 1 || size > BlockSize {
		return nil, fmt.Errorf("magma: %w (got %d)", ErrMACSize, size)
	}
	if len(iv) != BlockSize {
		return nil, fmt.Errorf("magma: MAC: %w (got %d, want 8)", ErrIVSize, len(iv))
	}
	m := &MAC{c0: c, size: size, mesh: mesh}
	copy(m.iv[:], iv)
	m.Reset()
	return m, nil
}

var _ hash.Hash = (*MAC)(nil)

// Reset restores the initial state and key.
func (m *MAC) Reset() {
	m.c = ownCopy(m.c0, m.mesh)
	m.state = m.iv
	m.part = [BlockSize]byte{}
	m.nPart, m.n, m.blocks = 0, 0, 0
}

// Size returns the MAC length in bytes.
func (m *MAC) Size() int { return m.size }

// BlockSize returns 8.
func (m *MAC) BlockSize() int { return BlockSize }

func (m *MAC) block(c *Cipher, state *[BlockSize]byte, n *int, b []byte) {
	if m.mesh && *n == meshInterval {
		c.mesh(nil)
		*n = 0
	}
	for i := range state {
		state[i] ^= b[i]
	}
	lo, hi := c.core.MAC16(c.load(state[:]))
	// MAC16 returns the halves unswapped: the state holds N1 then N2.
	c.storeMAC(state[:], lo, hi)
	*n += BlockSize
}

func (c *Cipher) storeMAC(b []byte, n1, n2 uint32) {
	if c.order == OrderMagma {
		binary.BigEndian.PutUint32(b[4:], n1)
		binary.BigEndian.PutUint32(b[0:], n2)
		return
	}
	binary.LittleEndian.PutUint32(b[0:], n1)
	binary.LittleEndian.PutUint32(b[4:], n2)
}

// Write adds data to the message. It never fails.
func (m *MAC) Write(p []byte) (int, error) {
	total := len(p)
	if m.nPart > 0 {
		k := copy(m.part[m.nPart:], p)
		m.nPart += k
		p = p[k:]
		if m.nPart < BlockSize {
			return total, nil
		}
		m.block(m.c, &m.state, &m.n, m.part[:])
		m.blocks++
		m.nPart = 0
	}
	for len(p) >= BlockSize {
		m.block(m.c, &m.state, &m.n, p[:BlockSize])
		m.blocks++
		p = p[BlockSize:]
	}
	m.nPart = copy(m.part[:], p)
	return total, nil
}

// Sum appends the MAC to b without changing the state.
func (m *MAC) Sum(b []byte) []byte {
	c := m.c.clone()
	state, n, blocks := m.state, m.n, m.blocks
	if m.nPart > 0 {
		var last [BlockSize]byte
		copy(last[:], m.part[:m.nPart])
		m.block(c, &state, &n, last[:])
		blocks++
	}
	// A one-block message gets a second, zero block (GOST 28147-89
	// requires at least two); an empty message leaves the initial state.
	if blocks == 1 {
		var zero [BlockSize]byte
		m.block(c, &state, &n, zero[:])
	}
	c.Wipe()
	return append(b, state[:m.size]...)
}
