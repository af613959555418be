package streebog

import (
	"encoding/binary"
	"hash"
)

const (
	// Size256 and Size512 are the digest sizes in bytes.
	Size256 = 32
	Size512 = 64
	// BlockSize is the block size in bytes.
	BlockSize = 64
)

// digest is the streaming state of RFC 6986, section 8.
type digest struct {
	size  int       // Size256 or Size512
	h     [8]uint64 // chaining value
	n     [8]uint64 // number of message bits processed
	sigma [8]uint64 // sum of the message blocks mod 2^512
	buf   [64]byte  // pending bytes
	nbuf  int       // bytes pending in buf
}

// New256 returns a Streebog-256 hash.
func New256() hash.Hash { d := &digest{size: Size256}; d.Reset(); return d }

// New512 returns a Streebog-512 hash.
func New512() hash.Hash { d := &digest{size: Size512}; d.Reset(); return d }

// Sum256 returns the Streebog-256 digest of data.
func Sum256(data []byte) [Size256]byte {
	d := digest{size: Size256}
	d.Reset()
	d.Write(data)
	var out [Size256]byte
	d.checkSum(out[:0])
	return out
}

// Sum512 returns the Streebog-512 digest of data.
func Sum512(data []byte) [Size512]byte {
	d := digest{size: Size512}
	d.Reset()
	d.Write(data)
	var out [Size512]byte
	d.checkSum(out[:0])
	return out
}

func (d *digest) Size() int      { return d.size }
func (d *digest) BlockSize() int { return BlockSize }

// Reset restores the initial state: IV of all 0x01 bytes for the 256-bit
// hash, all zero bytes for the 512-bit one.
func (d *digest) Reset() {
	iv := uint64(0)
	if d.size == Size256 {
		iv = 0x0101010101010101
	}
	for i := range 8 {
		d.h[i] = iv
		d.n[i] = 0
		d.sigma[i] = 0
	}
	d.nbuf = 0
}

// Write absorbs p. It never fails.
func (d *digest) Write(p []byte) (int, error) {
	total := len(p)
	if d.nbuf > 0 {
		c := copy(d.buf[d.nbuf:], p)
		d.nbuf += c
		p = p[c:]
		if d.nbuf < BlockSize {
			return total, nil
		}
		d.block(d.buf[:])
		d.nbuf = 0
	}
	for len(p) >= BlockSize {
		d.block(p[:BlockSize])
		p = p[BlockSize:]
	}
	d.nbuf = copy(d.buf[:], p)
	return total, nil
}

// block processes one full 64-byte message block (RFC 6986, 8.2).
func (d *digest) block(b []byte) {
	var m [8]uint64
	loadBlock(&m, b)
	compress(&d.h, &d.n, &m)
	addBits(&d.n, 512)
	add512(&d.sigma, &m)
}

// Sum appends the digest of what was written so far to b, leaving the
// state unchanged.
func (d *digest) Sum(b []byte) []byte {
	c := *d
	return c.checkSum(b)
}

// checkSum finishes the hash (RFC 6986, 8.3) and appends the digest to b.
// It destroys the state.
func (d *digest) checkSum(b []byte) []byte {
	var pad [64]byte
	copy(pad[:], d.buf[:d.nbuf])
	pad[d.nbuf] = 0x01
	var m, zero [8]uint64
	loadBlock(&m, pad[:])
	compress(&d.h, &d.n, &m)
	addBits(&d.n, uint64(d.nbuf)*8)
	add512(&d.sigma, &m)
	compress(&d.h, &zero, &d.n)
	compress(&d.h, &zero, &d.sigma)

	var out [64]byte
	for i := range 8 {
		binary.LittleEndian.PutUint64(out[8*i:], d.h[i])
	}
	return append(b, out[64-d.size:]...)
}
