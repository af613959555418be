package kuznyechik

import (
	"crypto/cipher"
	"encoding/binary"
	"strconv"
)

// BlockSize is the Kuznyechik block size in bytes.
const BlockSize = 16

// KeySize is the Kuznyechik key size in bytes.
const KeySize = 32

// KeySizeError is returned for a key that is not KeySize bytes long.
type KeySizeError int

func (k KeySizeError) Error() string {
	return "kuznyechik: invalid key size " + strconv.Itoa(int(k))
}

// fastCipher is the table-driven implementation.
type fastCipher struct {
	enc [10]half // K_1..K_10
	dec [10]half // K_1, L⁻¹(K_2)..L⁻¹(K_9), K_10
}

// ctCipher is the constant-time implementation.
type ctCipher struct {
	rk [10]half
}

// NewCipher returns the table-driven Kuznyechik: about 64 KiB of tables per
// direction indexed by bytes of the state, so its timing depends on the
// cache behaviour of key- and data-dependent lookups. Use it for bulk data
// where the speed matters and a local cache-timing observer is not part of
// the threat; use NewConstantTimeCipher for keys and other short secrets.
func NewCipher(key []byte) (cipher.Block, error) {
	if len(key) != KeySize {
		return nil, KeySizeError(len(key))
	}
	c := &fastCipher{}
	c.enc = schedule(key, lsFast)
	c.dec[0] = c.enc[0]
	c.dec[9] = c.enc[9]
	for i := 1; i < 9; i++ {
		c.dec[i] = linInvFast(c.enc[i])
	}
	return c, nil
}

// NewConstantTimeCipher returns a Kuznyechik whose key schedule, encryption
// and decryption run in time independent of the key and the data: the
// S-box is evaluated by scanning all 256 entries with masks and the linear
// layer by a masked bit-matrix product, with no secret-dependent memory
// index or branch. It is roughly two orders of magnitude slower than
// NewCipher.
func NewConstantTimeCipher(key []byte) (cipher.Block, error) {
	if len(key) != KeySize {
		return nil, KeySizeError(len(key))
	}
	return &ctCipher{rk: schedule(key, lsCT)}, nil
}

// schedule expands the key (GOST R 34.12-2015, 4.3) with ls as the LSX
// round without the key addition.
func schedule(key []byte, ls func(half) half) [10]half {
	var rk [10]half
	a1 := load(key[:16])
	a0 := load(key[16:])
	rk[0], rk[1] = a1, a0
	for i := 0; i < 4; i++ {
		for j := 0; j < 8; j++ {
			c := roundC[8*i+j]
			t := ls(half{a1[0] ^ c[0], a1[1] ^ c[1]})
			a1, a0 = half{t[0] ^ a0[0], t[1] ^ a0[1]}, a1
		}
		rk[2+2*i], rk[3+2*i] = a1, a0
	}
	return rk
}

func load(b []byte) half {
	return half{binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])}
}

func store(b []byte, h half) {
	binary.LittleEndian.PutUint64(b, h[0])
	binary.LittleEndian.PutUint64(b[8:], h[1])
}

func (c *fastCipher) BlockSize() int { return BlockSize }
func (c *ctCipher) BlockSize() int   { return BlockSize }

func checkBlocks(dst, src []byte) {
	if len(src) < BlockSize {
		panic("kuznyechik: input not full block")
	}
	if len(dst) < BlockSize {
		panic("kuznyechik: output not full block")
	}
}

func (c *fastCipher) Encrypt(dst, src []byte) {
	checkBlocks(dst, src)
	x := load(src)
	for r := 0; r < 9; r++ {
		x = lsFast(half{x[0] ^ c.enc[r][0], x[1] ^ c.enc[r][1]})
	}
	store(dst, half{x[0] ^ c.enc[9][0], x[1] ^ c.enc[9][1]})
}

func (c *fastCipher) Decrypt(dst, src []byte) {
	checkBlocks(dst, src)
	x := load(src)
	x = linInvFast(half{x[0] ^ c.dec[9][0], x[1] ^ c.dec[9][1]})
	for r := 8; r >= 1; r-- {
		x = ilsFast(x)
		x[0] ^= c.dec[r][0]
		x[1] ^= c.dec[r][1]
	}
	x = subst(x, &piInv)
	store(dst, half{x[0] ^ c.dec[0][0], x[1] ^ c.dec[0][1]})
}

// subst applies a byte substitution by table lookup (not constant time).
func subst(x half, t *[256]byte) half {
	var y half
	for i := 0; i < 8; i++ {
		y[0] |= uint64(t[byte(x[0]>>(8*i))]) << (8 * i)
		y[1] |= uint64(t[byte(x[1]>>(8*i))]) << (8 * i)
	}
	return y
}

func (c *ctCipher) Encrypt(dst, src []byte) {
	checkBlocks(dst, src)
	x := load(src)
	for r := 0; r < 9; r++ {
		x = lsCT(half{x[0] ^ c.rk[r][0], x[1] ^ c.rk[r][1]})
	}
	store(dst, half{x[0] ^ c.rk[9][0], x[1] ^ c.rk[9][1]})
}

func (c *ctCipher) Decrypt(dst, src []byte) {
	checkBlocks(dst, src)
	x := load(src)
	x[0] ^= c.rk[9][0]
	x[1] ^= c.rk[9][1]
	for r := 8; r >= 0; r-- {
		x = substCT(matCT(x, &linInvCols), &piInv)
		x[0] ^= c.rk[r][0]
		x[1] ^= c.rk[r][1]
	}
	store(dst, x)
}

func lsCT(x half) half { return matCT(substCT(x, &pi), &linCols) }

const (
	lows  = 0x0101010101010101
	low7  = 0x7f7f7f7f7f7f7f7f
	highs = 0x8080808080808080
)

// substCT applies the byte substitution t to every byte of x without a
// secret-dependent index: for each of the 256 table entries v it selects,
// by mask, the bytes of x equal to v.
func substCT(x half, t *[256]byte) half {
	var y0, y1 uint64
	for v := 0; v < 256; v++ {
		spread := uint64(v) * lows
		out := uint64(t[v]) * lows
		y0 |= out & eqBytes(x[0]^spread)
		y1 |= out & eqBytes(x[1]^spread)
	}
	return half{y0, y1}
}

// eqBytes returns 0xff in every byte of d that is zero and 0x00 elsewhere,
// without carries between bytes.
func eqBytes(d uint64) uint64 {
	nz := ((d & low7) + low7) | d // high bit set where the byte is non-zero
	z := ^nz & highs
	return (z >> 7) * 0xff
}

// matCT multiplies x by a 128×128 bit matrix given by its columns: each
// column is XORed in under a mask made from the matching bit of x.
func matCT(x half, cols *[128]half) half {
	var y0, y1 uint64
	for w := 0; w < 2; w++ {
		v := x[w]
		for j := 0; j < 64; j++ {
			m := -(v >> j & 1)
			c := &cols[64*w+j]
			y0 ^= c[0] & m
			y1 ^= c[1] & m
		}
	}
	return half{y0, y1}
}

// EncryptBlocks encrypts the whole blocks of src into dst, two at a time
// so that the table lookups of independent blocks overlap; it is what
// gost/blockmode's CTR uses when the cipher offers it. dst and src may be
// the same slice but must not otherwise overlap.
func (c *fastCipher) EncryptBlocks(dst, src []byte) {
	if len(dst) < len(src)/BlockSize*BlockSize {
		panic("kuznyechik: output smaller than input")
	}
	for len(src) >= 2*BlockSize {
		x, y := load(src), load(src[BlockSize:])
		for r := 0; r < 9; r++ {
			k := c.enc[r]
			x = lsFast(half{x[0] ^ k[0], x[1] ^ k[1]})
			y = lsFast(half{y[0] ^ k[0], y[1] ^ k[1]})
		}
		k := c.enc[9]
		store(dst, half{x[0] ^ k[0], x[1] ^ k[1]})
		store(dst[BlockSize:], half{y[0] ^ k[0], y[1] ^ k[1]})
		dst, src = dst[2*BlockSize:], src[2*BlockSize:]
	}
	if len(src) >= BlockSize {
		c.Encrypt(dst, src)
	}
}
