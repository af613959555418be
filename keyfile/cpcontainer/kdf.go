package cpcontainer

import (
	"hash"

	"github.com/zavera/zavera/gost/gostr341194"
	"github.com/zavera/zavera/gost/magma"
	"github.com/zavera/zavera/gost/streebog"
)

// maxPasswordSize bounds the password: the public analyses of the format
// stop at 256 characters.
const maxPasswordSize = 256

// kdfSeed starts the container's iterated hash.
const kdfSeed = "DENEFH028.760246785.IUEFHWUIO.EF"

// suite is the hash and the S-box a key's generation uses: Streebog-256
// with param Z for GOST R 34.10-2012 keys, GOST R 34.11-94 (CryptoPro
// parameters) with CryptoPro A for GOST R 34.10-2001 keys.
type suite struct {
	newHash func() hash.Hash
	// width is the length of the iterated value: twice the digest for
	// Streebog, the digest for GOST R 34.11-94.
	width int
	sbox  *magma.SBox
}

var (
	suite2012 = suite{newHash: streebog.New256, width: 64, sbox: &magma.SBoxZ}
	suite2001 = suite{newHash: gostr341194.NewCryptoPro, width: 32, sbox: &magma.SBoxCryptoProA}
)

// passwordKey derives the 32-byte key that encrypts primary.key from the
// password and the salt of masks.key. Each password byte is followed by
// three zero bytes; the hash is iterated 2000 times, twice when the
// password is empty. The caller wipes the result.
func (s suite) passwordKey(password, salt []byte) []byte {
	pin := make([]byte, 4*len(password))
	for i, b := range password {
		pin[4*i] = b
	}
	defer clear(pin)
	h := s.newHash()
	sum := func(parts ...[]byte) []byte {
		h.Reset()
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	first := sum(salt, pin)
	defer clear(first)

	c := make([]byte, s.width)
	copy(c, kdfSeed)
	in := make([]byte, s.width)
	out := make([]byte, s.width)
	defer func() { clear(c); clear(in); clear(out) }()
	rounds := 2000
	if len(password) == 0 {
		rounds = 2
	}
	for range rounds {
		for i := range c {
			in[i], out[i] = c[i]^0x36, c[i]^0x5c
		}
		d := sum(in, first, out, first)
		copy(c, d)
		clear(d)
	}
	for i := range c {
		in[i], out[i] = c[i]^0x36, c[i]^0x5c
	}
	mid := sum(in[:32], salt, out[:32], pin)
	defer clear(mid)
	return sum(mid[:32])
}

// PasswordKey returns the key that encrypts primary.key for a key of alg,
// from the password and the salt of masks.key. Open uses it; it is
// exported for the benchmark that checks it against OpenSSL's digests. The
// caller wipes the result.
func PasswordKey(alg Algorithm, password, salt []byte) []byte {
	if alg == GOST2001 {
		return suite2001.passwordKey(password, salt)
	}
	return suite2012.passwordKey(password, salt)
}
