package magma

import (
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// UKMSize is the length of the user keying material of RFC 4357 key
// wrapping and KEK diversification.
const UKMSize = 8

// WrappedKeySize is the length of a wrapped key: UKM, encrypted key, MAC.
const WrappedKeySize = UKMSize + KeySize + 4

// DiversifyKEK is the CryptoPro KEK diversification of RFC 4357 section
// 6.5: eight times, the IV is made of the sums of the key's little-endian
// words selected by the bits of one UKM byte (set bits, then clear bits,
// each modulo 2^32, as two little-endian words), and the key is encrypted
// under itself in CFB mode with that IV. The S-box is the one of the key's
// parameter set (CryptoPro A for most keys).
func DiversifyKEK(kek, ukm []byte, sbox *SBox) ([]byte, error) {
	if len(kek) != KeySize {
		return nil, fmt.Errorf("magma: KEK: %w (got %d)", ErrKeySize, len(kek))
	}
	if len(ukm) != UKMSize {
		return nil, fmt.Errorf("magma: %w (got %d)", ErrUKMSize, len(ukm))
	}
	k := make([]byte, KeySize)
	copy(k, kek)
	var iv [BlockSize]byte
	for i := 0; i < UKMSize; i++ {
		var s1, s2 uint32
		for j := 0; j < 8; j++ {
			w := binary.LittleEndian.Uint32(k[4*j:])
			// Select without branching on key-derived data: bit is 0 or 1.
			bit := uint32(ukm[i]>>j) & 1
			s1 += w & -bit
			s2 += w & (bit - 1)
		}
		binary.LittleEndian.PutUint32(iv[0:], s1)
		binary.LittleEndian.PutUint32(iv[4:], s2)
		c, err := NewCipher(k, sbox)
		if err != nil {
			return nil, err
		}
		s, err := NewCFBEncrypter(c, iv[:], NoMeshing)
		if err != nil {
			return nil, err
		}
		s.XORKeyStream(k, k)
		c.Wipe()
	}
	return k, nil
}

// Wrap28147 is the GOST 28147-89 key wrap of RFC 4357 section 6.1: the
// 32-byte cek is encrypted in ECB mode under kek and authenticated with the
// 32-bit MAC whose initial state is the UKM. The result is
// UKM || encrypted key || MAC, 44 bytes.
func Wrap28147(kek, ukm, cek []byte, sbox *SBox) ([]byte, error) {
	return wrap(kek, ukm, cek, sbox)
}

// WrapCryptoPro is the CryptoPro key wrap of RFC 4357 section 6.3: the key
// wrap of section 6.1 under the KEK diversified with the UKM.
func WrapCryptoPro(kek, ukm, cek []byte, sbox *SBox) ([]byte, error) {
	if len(ukm) != UKMSize {
		return nil, fmt.Errorf("magma: %w (got %d)", ErrUKMSize, len(ukm))
	}
	k, err := DiversifyKEK(kek, ukm, sbox)
	if err != nil {
		return nil, err
	}
	defer clear(k)
	return wrap(k, ukm, cek, sbox)
}

// Unwrap28147 reverses Wrap28147 (RFC 4357 section 6.2), returning
// ErrIntegrity when the MAC does not match.
func Unwrap28147(kek, wrapped []byte, sbox *SBox) ([]byte, error) {
	return unwrap(kek, wrapped, sbox)
}

// UnwrapCryptoPro reverses WrapCryptoPro (RFC 4357 section 6.4).
func UnwrapCryptoPro(kek, wrapped []byte, sbox *SBox) ([]byte, error) {
	if len(wrapped) != WrappedKeySize {
		return nil, fmt.Errorf("magma: %w (got %d)", ErrWrappedSize, len(wrapped))
	}
	k, err := DiversifyKEK(kek, wrapped[:UKMSize], sbox)
	if err != nil {
		return nil, err
	}
	defer clear(k)
	return unwrap(k, wrapped, sbox)
}

func wrap(kek, ukm, cek []byte, sbox *SBox) ([]byte, error) {
	if len(ukm) != UKMSize {
		return nil, fmt.Errorf("magma: %w (got %d)", ErrUKMSize, len(ukm))
	}
	if len(cek) != KeySize {
		return nil, fmt.Errorf("magma: CEK: %w (got %d)", ErrKeySize, len(cek))
	}
	c, err := NewCipher(kek, sbox)
	if err != nil {
		return nil, err
	}
	defer c.Wipe()
	out := make([]byte, 0, WrappedKeySize)
	out = append(out, ukm...)
	enc := make([]byte, KeySize)
	NewECBEncrypter(c).CryptBlocks(enc, cek)
	out = append(out, enc...)
	m, err := NewMACWithIV(c, ukm, 4, NoMeshing)
	if err != nil {
		return nil, err
	}
	m.Write(cek)
	return m.Sum(out), nil
}

func unwrap(kek, wrapped []byte, sbox *SBox) ([]byte, error) {
	if len(wrapped) != WrappedKeySize {
		return nil, fmt.Errorf("magma: %w (got %d)", ErrWrappedSize, len(wrapped))
	}
	c, err := NewCipher(kek, sbox)
	if err != nil {
		return nil, err
	}
	defer c.Wipe()
	ukm := wrapped[:UKMSize]
	cek := make([]byte, KeySize)
	NewECBDecrypter(c).CryptBlocks(cek, wrapped[UKMSize:UKMSize+KeySize])
	m, err := NewMACWithIV(c, ukm, 4, NoMeshing)
	if err != nil {
		return nil, err
	}
	m.Write(cek)
	if subtle.ConstantTimeCompare(m.Sum(nil), wrapped[UKMSize+KeySize:]) != 1 {
		clear(cek)
		return nil, fmt.Errorf("magma: %w", ErrIntegrity)
	}
	return cek, nil
}
