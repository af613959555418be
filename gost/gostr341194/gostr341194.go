// Package gostr341194 implements the hash function of GOST R 34.11-94
// (RFC 5831), needed for GOST R 34.10-2001 keys and for old CryptoPro key
// containers and PFX files.
//
// The hash is defined over a GOST 28147-89 S-box; New takes one, and
// NewCryptoPro and NewTest use the two published sets:
// id-GostR3411-94-CryptoProParamSet (RFC 4357; OpenSSL's md_gost94) and
// id-GostR3411-94-TestParamSet (the examples of RFC 5831). The initial
// hash value is zero in both.
//
// # Byte order
//
// The standard treats blocks, the hash value, the checksum and the length
// as 256-bit numbers; this package stores each as 32 bytes, least
// significant first, the way OpenSSL and CryptoPro read and write them. The
// digest bytes are the ones OpenSSL's md_gost94 prints; the engine's
// gostsum tool prints the same value as a number, most significant byte
// first, that is the bytes reversed.
//
// # Vectors
//
// The tests check the examples of RFC 5831 section 7.3 ("This is message,
// length=32 bytes", "Suppose the original message has length = 50 bytes")
// with the test parameters and the published CryptoPro-parameter values of
// the same messages, then random messages against OpenSSL's md_gost94 and
// gostsum -t. An empty message hashes one zero block, as stage 3 of the
// standard and OpenSSL do.
//
// # Constant time
//
// The encryption steps use the constant-time GOST 28147-89 core of
// gost/magma, so hashing a password or key material does not index memory
// by its bytes; the other steps are XORs, byte moves and additions.
//
// The digest has a 32-byte block, so crypto/hmac with NewCryptoPro is the
// HMAC_GOSTR3411 of RFC 4357 section 3 (checked against OpenSSL).
//
// A digest is not safe for concurrent use; separate digests are.
package gostr341194

import (
	"encoding/binary"
	"hash"

	"github.com/zavera/zavera/gost/internal/g28147"
	"github.com/zavera/zavera/gost/magma"
)

// Size is the digest length in bytes.
const Size = 32

// BlockSize is the input block length in bytes.
const BlockSize = 32

type digest struct {
	core  g28147.Core
	cols  g28147.Columns
	h     [32]byte
	sigma [32]byte
	nbits uint64 // length so far, in bits, modulo 2^64
	buf   [32]byte
	nbuf  int
}

// New returns the hash with the given S-box.
func New(sbox *magma.SBox) hash.Hash {
	d := &digest{cols: sbox.Columns()}
	d.core.SetColumns(&d.cols)
	return d
}

// NewCryptoPro returns the hash with id-GostR3411-94-CryptoProParamSet.
func NewCryptoPro() hash.Hash { return New(&magma.SBoxGostR341194CryptoPro) }

// NewTest returns the hash with id-GostR3411-94-TestParamSet.
func NewTest() hash.Hash { return New(&magma.SBoxGostR341194Test) }

// SumCryptoPro returns the hash of data with the CryptoPro parameters.
func SumCryptoPro(data []byte) [Size]byte {
	var out [Size]byte
	h := NewCryptoPro()
	h.Write(data)
	h.Sum(out[:0])
	return out
}

func (d *digest) Size() int      { return Size }
func (d *digest) BlockSize() int { return BlockSize }

func (d *digest) Reset() {
	d.h, d.sigma, d.buf = [32]byte{}, [32]byte{}, [32]byte{}
	d.nbits, d.nbuf = 0, 0
}

func (d *digest) Write(p []byte) (int, error) {
	n := len(p)
	if d.nbuf > 0 {
		k := copy(d.buf[d.nbuf:], p)
		d.nbuf += k
		p = p[k:]
		if d.nbuf < BlockSize {
			return n, nil
		}
		d.block(d.buf[:], BlockSize)
		d.nbuf = 0
	}
	for len(p) >= BlockSize {
		d.block(p[:BlockSize], BlockSize)
		p = p[BlockSize:]
	}
	d.nbuf = copy(d.buf[:], p)
	return n, nil
}

// block hashes one 32-byte block m holding n message bytes.
func (d *digest) block(m []byte, n int) {
	d.nbits += uint64(n) * 8
	add256(&d.sigma, m)
	d.step(m)
}

// add256 adds m to s, both little-endian 256-bit numbers, modulo 2^256.
func add256(s *[32]byte, m []byte) {
	var carry uint32
	for i := 0; i < 32; i++ {
		v := uint32(s[i]) + uint32(m[i]) + carry
		s[i] = byte(v)
		carry = v >> 8
	}
}

func (d *digest) Sum(b []byte) []byte {
	e := *d
	// Stage 3 of the standard always hashes a final block, the remainder
	// padded with zeros: for an empty message that is one zero block (as
	// OpenSSL's engine does; some implementations skip it and give another
	// value for the empty message).
	if e.nbuf > 0 || e.nbits == 0 {
		var last [32]byte
		copy(last[:], e.buf[:e.nbuf])
		e.block(last[:], e.nbuf)
	}
	var l [32]byte
	binary.LittleEndian.PutUint64(l[:], e.nbits)
	e.step(l[:])
	sigma := e.sigma
	e.step(sigma[:])
	out := append(b, e.h[:]...)
	e.core.Wipe()
	return out
}

// c3 is the constant C3 of the key generation, least significant byte
// first.
var c3 = [32]byte{
	0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff,
	0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00,
	0x00, 0xff, 0xff, 0x00, 0xff, 0x00, 0x00, 0xff,
	0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0xff,
}

// a is the transformation A: (y4, y3, y2, y1) -> (y1^y2, y4, y3, y2) on
// 64-bit words, y1 the least significant.
func a(y *[32]byte) {
	var t [8]byte
	for i := 0; i < 8; i++ {
		t[i] = y[i] ^ y[8+i]
	}
	copy(y[0:24], y[8:32])
	copy(y[24:32], t[:])
}

// p is the byte permutation P: output byte i + 4k is input byte 8i + k.
func p(dst, src *[32]byte) {
	for i := 0; i < 4; i++ {
		for k := 0; k < 8; k++ {
			dst[i+4*k] = src[8*i+k]
		}
	}
}

// psi is the linear feedback ψ on sixteen 16-bit words, y1 the least
// significant: (y16..y1) -> (y1^y2^y3^y4^y13^y16, y16..y2).
func psi(y *[32]byte) {
	w0 := y[0] ^ y[2] ^ y[4] ^ y[6] ^ y[24] ^ y[30]
	w1 := y[1] ^ y[3] ^ y[5] ^ y[7] ^ y[25] ^ y[31]
	copy(y[0:30], y[2:32])
	y[30], y[31] = w0, w1
}

// step is the step hash function χ(M, H) of GOST R 34.11-94.
func (d *digest) step(m []byte) {
	var u, v, w, k [32]byte
	var s [32]byte
	u = d.h
	copy(v[:], m)
	for j := 0; j < 4; j++ {
		if j > 0 {
			a(&u)
			if j == 2 {
				for i := range u {
					u[i] ^= c3[i]
				}
			}
			a(&v)
			a(&v)
		}
		for i := range w {
			w[i] = u[i] ^ v[i]
		}
		p(&k, &w)
		var kw [8]uint32
		for i := range kw {
			kw[i] = binary.LittleEndian.Uint32(k[4*i:])
		}
		d.core.SetKey(&kw)
		n1 := binary.LittleEndian.Uint32(d.h[8*j:])
		n2 := binary.LittleEndian.Uint32(d.h[8*j+4:])
		lo, hi := d.core.Encrypt(n1, n2)
		binary.LittleEndian.PutUint32(s[8*j:], lo)
		binary.LittleEndian.PutUint32(s[8*j+4:], hi)
	}
	// H' = ψ^61(H ^ ψ(M ^ ψ^12(S)))
	for i := 0; i < 12; i++ {
		psi(&s)
	}
	for i := range s {
		s[i] ^= m[i]
	}
	psi(&s)
	for i := range s {
		s[i] ^= d.h[i]
	}
	for i := 0; i < 61; i++ {
		psi(&s)
	}
	d.h = s
	clear(u[:])
	clear(v[:])
	clear(w[:])
	clear(k[:])
}
