package blockmode

import (
	"crypto/cipher"
	"hash"
)

// omac is OMAC (CMAC) of GOST R 34.13-2015, 5.6, and, with master set,
// OMAC-ACPKM (R 1323565.1.017-2018, 4.3; RFC 8645, section 6.4.2).
type omac struct {
	b    cipher.Block
	n    int
	size int
	k1   []byte
	prev []byte // chaining value
	buf  []byte // data not yet chained: at most one block, kept back in
	// case it is the last

	// OMAC-ACPKM only.
	newBlock  NewCipherFunc
	masterKey []byte
	keySec    int  // T*, bytes
	secBlocks int  // N / n
	master    *ctr // the key material stream
	chained   int  // blocks chained so far
	loaded    int  // sections whose keys are loaded
}

// NewOMAC returns OMAC of GOST R 34.13-2015 (the same function as NIST's
// CMAC) with the cipher b, producing MACs of size bytes (1..block size;
// the standard's examples use half a block, the most significant bytes of
// the full value).
func NewOMAC(b cipher.Block, size int) (hash.Hash, error) {
	n, err := blockSize(b)
	if err != nil {
		return nil, err
	}
	if size < 1 || size > n {
		return nil, ErrTagSize
	}
	m := &omac{b: b, n: n, size: size, prev: make([]byte, n), buf: make([]byte, 0, n)}
	r := make([]byte, n)
	b.Encrypt(r, r)
	m.k1 = double(r)
	return m, nil
}

// NewOMACACPKM returns OMAC-ACPKM (R 1323565.1.017-2018, 4.3; RFC 8645,
// section 6.4.2) keyed with the master key: each section of sectionSize
// bytes of the message (N) is chained under its own key, and the keys and
// the final masks come from ACPKM-Master with key section keySectionSize
// (T*). Both sizes are positive multiples of the block size; the
// R 1323565.1.017 examples use N = two blocks and T* = 768 bits for
// Kuznyechik, 640 bits for Magma.
func NewOMACACPKM(newCipher NewCipherFunc, key []byte, sectionSize, keySectionSize, size int) (hash.Hash, error) {
	master, err := newMaster(newCipher, key, keySectionSize)
	if err != nil {
		return nil, err
	}
	n := master.n
	if sectionSize <= 0 || sectionSize%n != 0 {
		return nil, ErrSectionSize
	}
	if size < 1 || size > n {
		return nil, ErrTagSize
	}
	return &omac{
		n: n, size: size, prev: make([]byte, n), buf: make([]byte, 0, n),
		newBlock: newCipher, masterKey: append([]byte(nil), key...), keySec: keySectionSize,
		secBlocks: sectionSize / n, master: master,
	}, nil
}

// double is multiplication by x in GF(2^n): a shift left by one bit with
// the reduction constant of GOST R 34.13-2015, 5.6 (B_128 = 0x87,
// B_64 = 0x1b) when the top bit falls out; constant time.
func double(r []byte) []byte {
	n := len(r)
	out := make([]byte, n)
	var carry byte
	for i := n - 1; i >= 0; i-- {
		out[i] = r[i]<<1 | carry
		carry = r[i] >> 7
	}
	rb := byte(0x87)
	if n == 8 {
		rb = 0x1b
	}
	out[n-1] ^= rb & -carry
	return out
}

// load makes the cipher and k1 those of the section of block j (ACPKM).
func (m *omac) load(j int) {
	if m.master == nil || j/m.secBlocks < m.loaded {
		return
	}
	km := make([]byte, KeySize+m.n)
	m.master.XORKeyStream(km, km)
	b, err := m.newBlock(km[:KeySize])
	if err != nil {
		panic("blockmode: cannot make the OMAC-ACPKM section cipher: " + err.Error())
	}
	clear(km[:KeySize])
	m.b, m.k1 = b, km[KeySize:]
	m.loaded++
}

func (m *omac) chain(block []byte) {
	m.load(m.chained)
	for i := range m.prev {
		m.prev[i] ^= block[i]
	}
	m.b.Encrypt(m.prev, m.prev)
	m.chained++
}

func (m *omac) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		if len(m.buf) == m.n {
			m.chain(m.buf)
			m.buf = m.buf[:0]
		}
		k := min(m.n-len(m.buf), len(p))
		m.buf = append(m.buf, p[:k]...)
		p = p[k:]
	}
	return total, nil
}

func (m *omac) clone() *omac {
	c := *m
	c.prev = append([]byte(nil), m.prev...)
	c.buf = append(make([]byte, 0, m.n), m.buf...)
	if m.master != nil {
		mc := *m.master
		mc.counter = append([]byte(nil), m.master.counter...)
		mc.ctrs = make([]byte, len(m.master.ctrs))
		mc.buf = append([]byte(nil), m.master.buf...)
		// ks is the unused tail of the last batch inside buf.
		off := cap(m.master.buf) - cap(m.master.ks)
		mc.ks = mc.buf[off : off+len(m.master.ks)]
		c.master = &mc
	}
	return &c
}

// Sum appends the MAC of the data written so far to b; the state is left
// unchanged.
func (m *omac) Sum(b []byte) []byte {
	c := m.clone()
	c.load(c.chained)
	last := make([]byte, c.n)
	copy(last, c.buf)
	k := c.k1
	if len(c.buf) < c.n {
		last[len(c.buf)] = 0x80
		k = double(c.k1)
	}
	for i := range last {
		last[i] ^= c.prev[i] ^ k[i]
	}
	c.b.Encrypt(last, last)
	return append(b, last[:c.size]...)
}

func (m *omac) Reset() {
	clear(m.prev)
	m.buf = m.buf[:0]
	if m.master != nil {
		master, err := newMaster(m.newBlock, m.masterKey, m.keySec)
		if err != nil {
			panic("blockmode: cannot restart OMAC-ACPKM: " + err.Error())
		}
		m.master, m.b, m.k1, m.chained, m.loaded = master, nil, nil, 0, 0
	}
}

func (m *omac) Size() int      { return m.size }
func (m *omac) BlockSize() int { return m.n }
