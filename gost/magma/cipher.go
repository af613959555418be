package magma

import (
	"encoding/binary"
	"fmt"

	"github.com/zavera/zavera/gost/internal/g28147"
)

// BlockSize is the block size in bytes.
const BlockSize = 8

// KeySize is the key size in bytes.
const KeySize = 32

// ByteOrder says how a Cipher reads keys and blocks from bytes.
type ByteOrder int

const (
	// Order28147 is the convention of GOST 28147-89 as RFC 5830, RFC 4357,
	// CryptoPro and OpenSSL's gost89 ciphers use it: the key is eight
	// little-endian 32-bit words K1..K8, a block is two little-endian
	// words, N1 (the first four bytes) then N2.
	Order28147 ByteOrder = iota
	// OrderMagma is the convention of GOST R 34.12-2015 (RFC 8891) and of
	// OpenSSL's magma-* ciphers: the key is eight big-endian words K1..K8
	// and a block is one big-endian 64-bit number. A Magma block is the
	// GOST 28147-89 block with its eight bytes reversed.
	OrderMagma
)

// Cipher is GOST 28147-89 with one key and one S-box; it implements
// cipher.Block. It is safe for concurrent use by several goroutines (the
// modes that change the key, key meshing, work on their own copies).
type Cipher struct {
	core  g28147.Core
	order ByteOrder
}

// NewCipher returns GOST 28147-89 with a 32-byte key in the GOST 28147-89
// byte order (Order28147) and the given S-box.
func NewCipher(key []byte, sbox *SBox) (*Cipher, error) {
	return newCipher(key, sbox, Order28147)
}

// NewMagma returns the GOST R 34.12-2015 "Magma" cipher: byte order
// OrderMagma and the S-box id-tc26-gost-28147-param-Z.
func NewMagma(key []byte) (*Cipher, error) {
	return newCipher(key, &SBoxZ, OrderMagma)
}

// NewCipherOrder returns the cipher with an explicit byte order.
func NewCipherOrder(key []byte, sbox *SBox, order ByteOrder) (*Cipher, error) {
	return newCipher(key, sbox, order)
}

func newCipher(key []byte, sbox *SBox, order ByteOrder) (*Cipher, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("magma: %w (got %d)", ErrKeySize, len(key))
	}
	c := &Cipher{order: order}
	cols := sbox.Columns()
	c.core.SetColumns(&cols)
	c.setKey(key)
	return c, nil
}

func (c *Cipher) setKey(key []byte) {
	var k [8]uint32
	for i := range k {
		if c.order == OrderMagma {
			k[i] = binary.BigEndian.Uint32(key[4*i:])
		} else {
			k[i] = binary.LittleEndian.Uint32(key[4*i:])
		}
	}
	c.core.SetKey(&k)
	k = [8]uint32{}
}

// Order returns the cipher's byte order.
func (c *Cipher) Order() ByteOrder { return c.order }

// BlockSize returns 8.
func (c *Cipher) BlockSize() int { return BlockSize }

func (c *Cipher) load(b []byte) (n1, n2 uint32) {
	_ = b[7]
	if c.order == OrderMagma {
		return binary.BigEndian.Uint32(b[4:]), binary.BigEndian.Uint32(b[0:])
	}
	return binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint32(b[4:])
}

func (c *Cipher) store(b []byte, lo, hi uint32) {
	_ = b[7]
	if c.order == OrderMagma {
		binary.BigEndian.PutUint32(b[4:], lo)
		binary.BigEndian.PutUint32(b[0:], hi)
		return
	}
	binary.LittleEndian.PutUint32(b[0:], lo)
	binary.LittleEndian.PutUint32(b[4:], hi)
}

// Encrypt encrypts the first block of src into dst (simple replacement
// mode, ECB). dst and src may overlap entirely.
func (c *Cipher) Encrypt(dst, src []byte) {
	if len(src) < BlockSize || len(dst) < BlockSize {
		panic("magma: input not full block")
	}
	lo, hi := c.core.Encrypt(c.load(src))
	c.store(dst, lo, hi)
}

// Decrypt decrypts the first block of src into dst.
func (c *Cipher) Decrypt(dst, src []byte) {
	if len(src) < BlockSize || len(dst) < BlockSize {
		panic("magma: input not full block")
	}
	lo, hi := c.core.Decrypt(c.load(src))
	c.store(dst, lo, hi)
}

// Wipe clears the key from the cipher; it is unusable afterwards.
func (c *Cipher) Wipe() { c.core.Wipe() }

// clone returns a copy that a mode may re-key.
func (c *Cipher) clone() *Cipher {
	d := *c
	return &d
}

// meshingKey is the constant C of CryptoPro key meshing (RFC 4357 section
// 2.3.2).
var meshingKey = [32]byte{
	0x69, 0x00, 0x72, 0x22, 0x64, 0xC9, 0x04, 0x23,
	0x8D, 0x3A, 0xDB, 0x96, 0x46, 0xE9, 0x2A, 0xC4,
	0x18, 0xFE, 0xAC, 0x94, 0x00, 0xED, 0x07, 0x12,
	0xC0, 0x86, 0xDC, 0xC2, 0xEF, 0x4C, 0xA9, 0x2B,
}

// meshInterval is the number of bytes processed under one key before
// CryptoPro key meshing changes it.
const meshInterval = 1024

// mesh applies CryptoPro key meshing (RFC 4357 section 2.3): the new key is
// the constant C decrypted in ECB mode under the current key. When iv is
// not nil it is replaced by its encryption under the new key.
func (c *Cipher) mesh(iv []byte) {
	var nk [32]byte
	for i := 0; i < 32; i += BlockSize {
		c.Decrypt(nk[i:], meshingKey[i:])
	}
	c.setKey(nk[:])
	clear(nk[:])
	if iv != nil {
		c.Encrypt(iv, iv)
	}
}
