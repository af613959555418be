package blockmode

import (
	"crypto/cipher"
	"crypto/subtle"
)

// NewCipherFunc makes a block cipher from a key; the ACPKM modes call it
// for every new section key.
type NewCipherFunc func(key []byte) (cipher.Block, error)

// KeySize is the key size of both GOST R 34.12-2015 ciphers and so of the
// ACPKM key transform.
const KeySize = 32

// ctr is the counter mode of GOST R 34.13-2015, 5.2, optionally with ACPKM
// re-keying every section bytes (R 1323565.1.017-2018, 4.1; RFC 8645, 6.2.1).
type ctr struct {
	b        cipher.Block
	newBlock NewCipherFunc // nil without ACPKM
	n        int
	counter  []byte
	ctrs     []byte // counter blocks of the next batch
	buf      []byte // room for a batch of keystream
	ks       []byte // keystream not yet used
	batch    int    // blocks per batch
	perSec   int    // blocks per section, 0 without ACPKM
	blocks   int    // blocks generated in the current section
}

// multiBlock is a cipher that encrypts several blocks in one call faster
// than one at a time (kuznyechik.NewCipher's); CTR then makes its
// keystream in batches.
type multiBlock interface {
	EncryptBlocks(dst, src []byte)
}

// batchBlocks is the CTR batch for a multiBlock cipher. A cipher without
// EncryptBlocks gets batches of one block, so that a short message costs
// no more block encryptions than it needs (the constant-time Kuznyechik
// takes microseconds per block).
const batchBlocks = 16

func blockSize(b cipher.Block) (int, error) {
	n := b.BlockSize()
	if n != 8 && n != 16 {
		return 0, ErrBlockSize
	}
	return n, nil
}

// NewCTR returns the CTR mode of GOST R 34.13-2015 with the cipher b. iv is
// half a block; the first counter is iv followed by zero bytes, and the
// counter is incremented as a big-endian integer modulo 2^n.
func NewCTR(b cipher.Block, iv []byte) (cipher.Stream, error) {
	return newCTR(b, nil, iv, 0)
}

// NewCTRACPKM returns CTR-ACPKM (R 1323565.1.017-2018, 4.1; RFC 8645,
// section 6.2.1): CTR whose key is replaced by ACPKM of the current key
// after every sectionSize bytes. newCipher makes the cipher from each key
// (a 32-byte Kuznyechik or Magma key); sectionSize is a positive multiple of
// the block size: OpenSSL's GOST engine uses 4096 bytes for Kuznyechik and
// 1024 for Magma in its -ctr-acpkm ciphers; a protocol that uses the mode
// names its own.
func NewCTRACPKM(newCipher NewCipherFunc, key, iv []byte, sectionSize int) (cipher.Stream, error) {
	b, err := newCipher(key)
	if err != nil {
		return nil, err
	}
	n, err := blockSize(b)
	if err != nil {
		return nil, err
	}
	if sectionSize <= 0 || sectionSize%n != 0 {
		return nil, ErrSectionSize
	}
	return newCTR(b, newCipher, iv, sectionSize/n)
}

func newCTR(b cipher.Block, nc NewCipherFunc, iv []byte, perSec int) (*ctr, error) {
	n, err := blockSize(b)
	if err != nil {
		return nil, err
	}
	if len(iv) != n/2 {
		return nil, ErrIVSize
	}
	batch := 1
	if _, ok := b.(multiBlock); ok {
		batch = batchBlocks
	}
	c := &ctr{b: b, newBlock: nc, n: n, counter: make([]byte, n),
		ctrs: make([]byte, batch*n), buf: make([]byte, batch*n), batch: batch, perSec: perSec}
	copy(c.counter, iv)
	return c, nil
}

// next fills ks with the keystream of the next batch of counter blocks,
// re-keying first at a section boundary. A batch never crosses a section.
func (c *ctr) next() {
	if c.perSec > 0 && c.blocks == c.perSec {
		key := ACPKM(c.b)
		b, err := c.newBlock(key)
		clear(key)
		if err != nil {
			// The key has the cipher's own size; a NewCipherFunc that
			// accepted the first key refuses this one only if broken.
			panic("blockmode: cannot re-key for ACPKM: " + err.Error())
		}
		c.b = b
		c.blocks = 0
	}
	k := c.batch
	if c.perSec > 0 {
		k = min(k, c.perSec-c.blocks)
	}
	for j := 0; j < k; j++ {
		copy(c.ctrs[j*c.n:], c.counter)
		for i := c.n - 1; i >= 0; i-- {
			c.counter[i]++
			if c.counter[i] != 0 {
				break
			}
		}
	}
	in, out := c.ctrs[:k*c.n], c.buf[:k*c.n]
	if m, ok := c.b.(multiBlock); ok {
		m.EncryptBlocks(out, in)
	} else {
		for j := 0; j < len(in); j += c.n {
			c.b.Encrypt(out[j:], in[j:])
		}
	}
	c.blocks += k
	c.ks = out
}

func (c *ctr) XORKeyStream(dst, src []byte) {
	if len(dst) < len(src) {
		panic("blockmode: output smaller than input")
	}
	for len(src) > 0 {
		if len(c.ks) == 0 {
			c.next()
		}
		k := subtle.XORBytes(dst, src, c.ks)
		c.ks = c.ks[k:]
		dst, src = dst[k:], src[k:]
	}
}

// ACPKM returns the next section key computed with the current cipher b
// (R 1323565.1.017-2018, 4.1; RFC 8645, section 6.1): the first 32 bytes of
// the encryption of the blocks of D = 0x80 0x81 … 0x9f.
func ACPKM(b cipher.Block) []byte {
	n := b.BlockSize()
	out := make([]byte, KeySize)
	d := make([]byte, KeySize)
	for i := range d {
		d[i] = 0x80 + byte(i)
	}
	for i := 0; i < KeySize; i += n {
		b.Encrypt(out[i:], d[i:i+n])
	}
	return out
}

// ACPKMMaster returns length bytes of key material from the master key by
// ACPKM-Master (R 1323565.1.017-2018, 4.2; RFC 8645, section 6.3.1):
// CTR-ACPKM with section keySectionSize (T*) over zero bytes, with an IV of
// half a block of 0xff bytes.
func ACPKMMaster(newCipher NewCipherFunc, key []byte, keySectionSize, length int) ([]byte, error) {
	s, err := newMaster(newCipher, key, keySectionSize)
	if err != nil {
		return nil, err
	}
	out := make([]byte, length)
	s.XORKeyStream(out, out)
	return out, nil
}

func newMaster(newCipher NewCipherFunc, key []byte, keySectionSize int) (*ctr, error) {
	b, err := newCipher(key)
	if err != nil {
		return nil, err
	}
	n, err := blockSize(b)
	if err != nil {
		return nil, err
	}
	if keySectionSize <= 0 || keySectionSize%n != 0 {
		return nil, ErrSectionSize
	}
	iv := make([]byte, n/2)
	for i := range iv {
		iv[i] = 0xff
	}
	return newCTR(b, newCipher, iv, keySectionSize/n)
}
