package pfx

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"hash"
	"math/big"
	"unicode/utf16"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// bmpPassword is the password as PKCS#12 (RFC 7292, B.1) feeds it to its
// own KDF: UTF-16 big-endian with two zero bytes at the end; the empty
// password is empty.
func bmpPassword(password string) []byte {
	if password == "" {
		return nil
	}
	u := utf16.Encode([]rune(password))
	out := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		out = append(out, byte(c>>8), byte(c))
	}
	return append(out, 0, 0)
}

// pkcs12KDF is the key derivation of RFC 7292, appendix B.2: id 1 for
// keys, 2 for IVs, 3 for MAC keys.
func pkcs12KDF(newHash func() hash.Hash, pass, salt []byte, id byte, iter, size int) ([]byte, error) {
	h := newHash()
	u := h.Size()
	v := h.BlockSize()
	fill := func(src []byte) []byte {
		if len(src) == 0 {
			return nil
		}
		n := v * ((len(src) + v - 1) / v)
		out := make([]byte, n)
		for i := range out {
			out[i] = src[i%len(src)]
		}
		return out
	}
	D := make([]byte, v)
	for i := range D {
		D[i] = id
	}
	I := append(fill(salt), fill(pass)...)
	defer clear(I)
	out := make([]byte, 0, size+u)
	one := big.NewInt(1)
	for len(out) < size {
		h.Reset()
		h.Write(D)
		h.Write(I)
		A := h.Sum(nil)
		for j := 1; j < iter; j++ {
			h.Reset()
			h.Write(A)
			A = h.Sum(A[:0])
		}
		out = append(out, A...)
		if len(out) >= size || len(I) == 0 {
			continue
		}
		// I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I.
		B := fill(A)[:v]
		bb := new(big.Int).SetBytes(B)
		bb.Add(bb, one)
		for j := 0; j < len(I); j += v {
			ij := new(big.Int).SetBytes(I[j : j+v])
			ij.Add(ij, bb)
			b := ij.Bytes()
			if len(b) > v {
				b = b[len(b)-v:]
			}
			clear(I[j : j+v])
			copy(I[j+v-len(b):j+v], b)
		}
	}
	return out[:size], nil
}

// pkcs12PBEDecrypt decrypts with pbeWithSHAAnd3-KeyTripleDES-CBC (RFC
// 7292, appendix C), which CryptoPro CSP uses for the certificate bag.
func pkcs12PBEDecrypt(params cryptobyte.String, ct []byte, password string) ([]byte, error) {
	var seq, salt cryptobyte.String
	var iter int64
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() ||
		!seq.ReadASN1(&salt, cbasn1.OCTET_STRING) || !seq.ReadASN1Integer(&iter) || !seq.Empty() {
		return nil, damaged("bad PKCS#12 PBE parameters")
	}
	if iter < 1 || iter > iterationLimit || len(salt) > maxSaltLen {
		return nil, damaged("PKCS#12 PBE iterations %d, salt %d bytes out of bounds", iter, len(salt))
	}
	if len(ct) == 0 || len(ct)%des.BlockSize != 0 {
		return nil, damaged("3DES ciphertext of %d bytes", len(ct))
	}
	pass := bmpPassword(password)
	defer clear(pass)
	key, _ := pkcs12KDF(sha1.New, pass, salt, 1, int(iter), 24)
	defer clear(key)
	iv, _ := pkcs12KDF(sha1.New, pass, salt, 2, int(iter), 8)
	block, err := des.NewTripleDESCipher(key)
	if err != nil {
		return nil, damaged("3DES key: %v", err)
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ct)
	n := int(plain[len(plain)-1])
	if n < 1 || n > des.BlockSize {
		clear(plain)
		return nil, damaged("bad padding")
	}
	for _, b := range plain[len(plain)-n:] {
		if int(b) != n {
			clear(plain)
			return nil, damaged("bad padding")
		}
	}
	return plain[:len(plain)-n], nil
}
