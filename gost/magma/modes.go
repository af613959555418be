package magma

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// Meshing chooses whether a mode applies CryptoPro key meshing (RFC 4357
// section 2.3) every 1024 bytes.
type Meshing bool

const (
	// NoMeshing keeps one key for the whole message, as GOST 28147-89 and
	// GOST R 34.13-2015 define the modes.
	NoMeshing Meshing = false
	// CryptoProMeshing changes the key every 1024 bytes, as parameter sets
	// with keyMeshing = cryptoPro (the CryptoPro sets, param Z in PKCS#12)
	// and OpenSSL's gost89 ciphers require.
	CryptoProMeshing Meshing = true
)

// ownCopy returns the cipher a mode works with: c itself, so that c.Wipe
// clears the key the mode uses, unless key meshing will change the key, in
// which case the mode needs a copy of its own (wiped by nobody but the
// garbage collector: prefer short-lived modes).
func ownCopy(c *Cipher, mesh Meshing) *Cipher {
	if mesh {
		return c.clone()
	}
	return c
}

type ecb struct {
	c       *Cipher
	decrypt bool
}

// NewECBEncrypter returns the simple replacement mode (ECB) encrypting
// whole blocks.
func NewECBEncrypter(c *Cipher) cipher.BlockMode { return ecb{c, false} }

// NewECBDecrypter returns the simple replacement mode (ECB) decrypting
// whole blocks.
func NewECBDecrypter(c *Cipher) cipher.BlockMode { return ecb{c, true} }

func (e ecb) BlockSize() int { return BlockSize }

func (e ecb) CryptBlocks(dst, src []byte) {
	if len(src)%BlockSize != 0 {
		panic("magma: input not full blocks")
	}
	if len(dst) < len(src) {
		panic("magma: output smaller than input")
	}
	for i := 0; i < len(src); i += BlockSize {
		if e.decrypt {
			e.c.Decrypt(dst[i:], src[i:])
		} else {
			e.c.Encrypt(dst[i:], src[i:])
		}
	}
}

type cbc struct {
	c       *Cipher
	iv      [BlockSize]byte
	decrypt bool
}

// NewCBCEncrypter returns CBC encryption with an 8-byte IV, without key
// meshing, as OpenSSL's gost89-cbc and magma-cbc do. GOST R 34.13-2015
// allows a longer IV (a register of several blocks); its CBC with an IV of
// z blocks is z interleaved chains of this mode.
func NewCBCEncrypter(c *Cipher, iv []byte) (cipher.BlockMode, error) {
	return newCBC(c, iv, false)
}

// NewCBCDecrypter returns CBC decryption; see NewCBCEncrypter.
func NewCBCDecrypter(c *Cipher, iv []byte) (cipher.BlockMode, error) {
	return newCBC(c, iv, true)
}

func newCBC(c *Cipher, iv []byte, decrypt bool) (*cbc, error) {
	if len(iv) != BlockSize {
		return nil, fmt.Errorf("magma: CBC: %w (got %d, want 8)", ErrIVSize, len(iv))
	}
	m := &cbc{c: c, decrypt: decrypt}
	copy(m.iv[:], iv)
	return m, nil
}

func (m *cbc) BlockSize() int { return BlockSize }

func (m *cbc) CryptBlocks(dst, src []byte) {
	if len(src)%BlockSize != 0 {
		panic("magma: input not full blocks")
	}
	if len(dst) < len(src) {
		panic("magma: output smaller than input")
	}
	var b [BlockSize]byte
	for i := 0; i < len(src); i += BlockSize {
		if m.decrypt {
			copy(b[:], src[i:i+BlockSize])
			m.c.Decrypt(dst[i:], src[i:])
			subtle.XORBytes(dst[i:i+BlockSize], dst[i:i+BlockSize], m.iv[:])
			m.iv = b
		} else {
			subtle.XORBytes(b[:], src[i:i+BlockSize], m.iv[:])
			m.c.Encrypt(dst[i:], b[:])
			copy(m.iv[:], dst[i:i+BlockSize])
		}
	}
}

type cfb struct {
	c       *Cipher
	reg     [BlockSize]byte
	gamma   [BlockSize]byte
	used    int
	n       int
	decrypt bool
	mesh    Meshing
}

// NewCFBEncrypter returns GOST 28147-89 gamma with feedback (CFB with
// 64-bit feedback) as a stream: the last block may be partial. With
// CryptoProMeshing, before each 1024-byte stretch after the first the key
// is meshed and the feedback register is encrypted under the new key
// (RFC 4357 section 2.3.2), as OpenSSL's gost89 cipher does.
func NewCFBEncrypter(c *Cipher, iv []byte, mesh Meshing) (cipher.Stream, error) {
	return newCFB(c, iv, mesh, false)
}

// NewCFBDecrypter returns the CFB decryption stream; see NewCFBEncrypter.
func NewCFBDecrypter(c *Cipher, iv []byte, mesh Meshing) (cipher.Stream, error) {
	return newCFB(c, iv, mesh, true)
}

func newCFB(c *Cipher, iv []byte, mesh Meshing, decrypt bool) (*cfb, error) {
	if len(iv) != BlockSize {
		return nil, fmt.Errorf("magma: CFB: %w (got %d, want 8)", ErrIVSize, len(iv))
	}
	s := &cfb{c: ownCopy(c, mesh), used: BlockSize, decrypt: decrypt, mesh: mesh}
	copy(s.reg[:], iv)
	return s, nil
}

func (s *cfb) XORKeyStream(dst, src []byte) {
	if len(dst) < len(src) {
		panic("magma: output smaller than input")
	}
	for i := 0; i < len(src); i++ {
		if s.used == BlockSize {
			if s.mesh && s.n == meshInterval {
				s.c.mesh(s.reg[:])
				s.n = 0
			}
			s.c.Encrypt(s.gamma[:], s.reg[:])
			s.used = 0
			s.n += BlockSize
			if len(src)-i >= BlockSize {
				// A whole block: XOR it at once.
				if s.decrypt {
					copy(s.reg[:], src[i:i+BlockSize])
					subtle.XORBytes(dst[i:i+BlockSize], src[i:i+BlockSize], s.gamma[:])
				} else {
					subtle.XORBytes(dst[i:i+BlockSize], src[i:i+BlockSize], s.gamma[:])
					copy(s.reg[:], dst[i:i+BlockSize])
				}
				s.used = BlockSize
				i += BlockSize - 1
				continue
			}
		}
		in := src[i]
		out := in ^ s.gamma[s.used]
		dst[i] = out
		if s.decrypt {
			s.reg[s.used] = in
		} else {
			s.reg[s.used] = out
		}
		s.used++
	}
}

// Counter constants of GOST 28147-89 gamma mode.
const (
	cntC2 = 0x01010101 // added to N3 modulo 2^32
	cntC1 = 0x01010104 // added to N4 modulo 2^32 - 1
)

type cnt struct {
	c       *Cipher
	reg     [BlockSize]byte
	gamma   [BlockSize]byte
	used    int
	n       int
	started bool
	mesh    Meshing
}

// NewCNT returns GOST 28147-89 gamma mode ("CNT"): the IV is encrypted
// once into the counter (N3, N4), which advances by C2 = 0x01010101 modulo
// 2^32 and C1 = 0x01010104 modulo 2^32-1 before every block; each gamma
// block is the counter's encryption. The same stream encrypts and
// decrypts. With CryptoProMeshing the key is meshed and the counter
// encrypted under the new key every 1024 bytes, as OpenSSL's gost89-cnt
// does. The counter words are read in the GOST 28147-89 byte order
// whatever the cipher's order.
func NewCNT(c *Cipher, iv []byte, mesh Meshing) (cipher.Stream, error) {
	if len(iv) != BlockSize {
		return nil, fmt.Errorf("magma: CNT: %w (got %d, want 8)", ErrIVSize, len(iv))
	}
	s := &cnt{c: ownCopy(c, mesh), used: BlockSize, mesh: mesh}
	copy(s.reg[:], iv)
	return s, nil
}

func (s *cnt) next() {
	if s.mesh && s.n == meshInterval {
		s.c.mesh(s.reg[:])
		s.n = 0
	}
	if !s.started {
		s.c.Encrypt(s.reg[:], s.reg[:])
		s.started = true
	}
	n3 := binary.LittleEndian.Uint32(s.reg[0:]) + cntC2
	n4 := binary.LittleEndian.Uint32(s.reg[4:])
	sum := n4 + cntC1
	if sum < n4 {
		sum++
	}
	binary.LittleEndian.PutUint32(s.reg[0:], n3)
	binary.LittleEndian.PutUint32(s.reg[4:], sum)
	s.c.Encrypt(s.gamma[:], s.reg[:])
	s.used = 0
	s.n += BlockSize
}

func (s *cnt) XORKeyStream(dst, src []byte) {
	if len(dst) < len(src) {
		panic("magma: output smaller than input")
	}
	for i := 0; i < len(src); {
		if s.used == BlockSize {
			s.next()
		}
		k := subtle.XORBytes(dst[i:], src[i:], s.gamma[s.used:])
		s.used += k
		i += k
	}
}

// NewCTR returns the GOST R 34.13-2015 counter mode (CTR) for Magma: the
// counter block is the 4-byte IV followed by four zero bytes, a big-endian
// 64-bit number incremented by one per block. Use it with a cipher in
// OrderMagma; it is what OpenSSL's magma-ctr calls the mode.
func NewCTR(c *Cipher, iv []byte) (cipher.Stream, error) {
	if len(iv) != BlockSize/2 {
		return nil, fmt.Errorf("magma: CTR: %w (got %d, want 4)", ErrIVSize, len(iv))
	}
	var ctr [BlockSize]byte
	copy(ctr[:], iv)
	return cipher.NewCTR(c, ctr[:]), nil
}
