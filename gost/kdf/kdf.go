package kdf

import (
	"crypto/hmac"
	"errors"
	"hash"

	"github.com/zavera/zavera/gost/streebog"
)

// ErrParameter is returned for a KDF_TREE or PBKDF2 parameter out of range.
var ErrParameter = errors.New("kdf: parameter out of range")

// NewHMAC256 returns HMAC_GOSTR3411_2012_256 (RFC 7836, 4.1.1): HMAC with
// Streebog-256, 64-byte blocks, 32-byte output.
func NewHMAC256(key []byte) hash.Hash { return hmac.New(streebog.New256, key) }

// NewHMAC512 returns HMAC_GOSTR3411_2012_512 (RFC 7836, 4.1.2).
func NewHMAC512(key []byte) hash.Hash { return hmac.New(streebog.New512, key) }

// KDF256 returns KDF_GOSTR3411_2012_256 (RFC 7836, 4.5; R 50.1.113-2016,
// 4.4): HMAC256(key, 0x01 ‖ label ‖ 0x00 ‖ seed ‖ 0x01 0x00), 32 bytes.
// It is KDFTree256 with R = 1 and 32 bytes of output.
func KDF256(key, label, seed []byte) []byte {
	out, err := KDFTree256(key, label, seed, 1, 32)
	if err != nil {
		panic("kdf: " + err.Error()) // not reachable with R = 1, 32 bytes
	}
	return out
}

// KDFTree256 returns length bytes of KDF_TREE_GOSTR3411_2012_256 (RFC 7836,
// 4.5; R 50.1.113-2016, 4.5): the concatenation of
// K(i) = HMAC256(key, [i]_R ‖ label ‖ 0x00 ‖ seed ‖ [L]) for i = 1, 2, …,
// where [i]_R is i in r big-endian bytes (r = 1..4) and [L] is the output
// length in bits as a big-endian integer in the fewest bytes that hold it
// (0x0100 for 256 bits, 0x0200 for 512).
func KDFTree256(key, label, seed []byte, r, length int) ([]byte, error) {
	if r < 1 || r > 4 || length < 1 {
		return nil, ErrParameter
	}
	blocks := (length + 31) / 32
	if r < 4 && blocks >= 1<<(8*r) || length > 1<<28 {
		return nil, ErrParameter
	}
	bits := uint64(length) * 8
	var lenBytes []byte
	for v := bits; v > 0; v >>= 8 {
		lenBytes = append([]byte{byte(v)}, lenBytes...)
	}
	mac := NewHMAC256(key)
	out := make([]byte, 0, blocks*32)
	ctr := make([]byte, r)
	for i := 1; i <= blocks; i++ {
		for j := 0; j < r; j++ {
			ctr[r-1-j] = byte(i >> (8 * j))
		}
		mac.Reset()
		mac.Write(ctr)
		mac.Write(label)
		mac.Write([]byte{0})
		mac.Write(seed)
		mac.Write(lenBytes)
		out = mac.Sum(out)
	}
	return out[:length], nil
}

// PBKDF2 returns keyLen bytes of PBKDF2 (RFC 8018, 5.2) with the PRF
// HMAC_GOSTR3411_2012_512, as RFC 9337 and R 50.1.111-2016 define it. The
// password is used as given: the PKCS#12 profiles pass its UTF-8 bytes.
func PBKDF2(password, salt []byte, iter, keyLen int) ([]byte, error) {
	if iter < 1 || keyLen < 1 || keyLen > 1<<30 {
		return nil, ErrParameter
	}
	prf := NewHMAC512(password)
	n := prf.Size()
	out := make([]byte, 0, (keyLen+n-1)/n*n)
	u := make([]byte, 0, n)
	t := make([]byte, n)
	var idx [4]byte
	for block := uint32(1); len(out) < keyLen; block++ {
		idx[0], idx[1], idx[2], idx[3] = byte(block>>24), byte(block>>16), byte(block>>8), byte(block)
		prf.Reset()
		prf.Write(salt)
		prf.Write(idx[:])
		u = prf.Sum(u[:0])
		copy(t, u)
		for i := 1; i < iter; i++ {
			prf.Reset()
			prf.Write(u)
			u = prf.Sum(u[:0])
			for j := range t {
				t[j] ^= u[j]
			}
		}
		out = append(out, t...)
	}
	clear(u[:n])
	clear(t)
	clear(out[keyLen:cap(out)])
	return out[:keyLen], nil
}
