package magma

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

func random(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// streamLengths are odd lengths around the block size and across the
// 1024-byte key meshing boundaries.
var streamLengths = []int{1, 7, 9, 33, 1023, 1025, 1031, 2049, 3001}

// blockLengths are whole-block lengths across the meshing boundaries.
var blockLengths = []int{8, 24, 1016, 1024, 1032, 2048, 3000}

// opensslStream compares a stream mode with an openssl enc cipher both
// ways: our encryption decrypts with OpenSSL and OpenSSL's encryption
// decrypts with ours, each giving the random plaintext back.
func opensslStream(t *testing.T, ossl string, ivLen int, lengths []int, extra []string,
	enc, dec func(key, iv []byte) (func(dst, src []byte), error)) {
	t.Helper()
	for _, n := range lengths {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			key, iv, pt := random(t, KeySize), random(t, ivLen), random(t, n)
			args := append([]string{"enc", "-" + ossl, "-K", hex.EncodeToString(key), "-iv", hex.EncodeToString(iv)}, extra...)
			e, err := enc(key, iv)
			if err != nil {
				t.Fatal(err)
			}
			ours := make([]byte, n)
			e(ours, pt)
			if bytes.Equal(ours, pt) {
				t.Fatal("ciphertext equals plaintext")
			}
			back := osslref.Run(t, ours, append(args, "-d")...)
			if !bytes.Equal(back, pt) {
				t.Fatalf("OpenSSL did not decrypt our %s ciphertext", ossl)
			}
			theirs := osslref.Run(t, pt, args...)
			if !bytes.Equal(theirs, ours) {
				t.Fatalf("OpenSSL's %s ciphertext differs from ours", ossl)
			}
			d, err := dec(key, iv)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, n)
			d(got, theirs)
			if !bytes.Equal(got, pt) {
				t.Fatalf("we did not decrypt OpenSSL's %s ciphertext", ossl)
			}
		})
	}
}

func streamFn(s cipher.Stream, err error) (func(dst, src []byte), error) {
	if err != nil {
		return nil, err
	}
	return s.XORKeyStream, nil
}

func blockFn(m cipher.BlockMode, err error) (func(dst, src []byte), error) {
	if err != nil {
		return nil, err
	}
	return m.CryptBlocks, nil
}

// splitWrites feeds a stream in uneven pieces, so that the tests also cover
// state kept between calls.
func splitWrites(f func(dst, src []byte)) func(dst, src []byte) {
	return func(dst, src []byte) {
		for i, step := 0, 1; i < len(src); i, step = i+step, step*3%17+1 {
			j := min(i+step, len(src))
			f(dst[i:j], src[i:j])
		}
	}
}

// cryptParams are the parameter sets OpenSSL's gost89 and gost89-cbc are
// tested with: the engine's default (param Z) and CryptoPro A, chosen with
// the engine's CRYPT_PARAMS environment variable.
var cryptParams = []struct {
	env string
	box *SBox
}{
	{"id-tc26-gost-28147-param-Z", &SBoxZ},
	{"id-Gost28147-89-CryptoPro-A-ParamSet", &SBoxCryptoProA},
}

func TestOpenSSLCFB(t *testing.T) {
	osslref.Require(t)
	for _, p := range cryptParams {
		t.Run(p.env, func(t *testing.T) {
			t.Setenv("CRYPT_PARAMS", p.env)
			testOpenSSLCFB(t, p.box)
		})
	}
}

// testOpenSSLCFB checks OpenSSL's gost89: CFB with CryptoPro key meshing.
func testOpenSSLCFB(t *testing.T, box *SBox) {
	mk := func(decrypt bool) func(key, iv []byte) (func(dst, src []byte), error) {
		return func(key, iv []byte) (func(dst, src []byte), error) {
			c, err := NewCipher(key, box)
			if err != nil {
				return nil, err
			}
			if decrypt {
				f, err := streamFn(NewCFBDecrypter(c, iv, CryptoProMeshing))
				return f, err
			}
			f, err := streamFn(NewCFBEncrypter(c, iv, CryptoProMeshing))
			if err != nil {
				return nil, err
			}
			return splitWrites(f), nil
		}
	}
	opensslStream(t, "gost89", 8, streamLengths, nil, mk(false), mk(true))
}

func TestOpenSSLCNT(t *testing.T) {
	osslref.Require(t)
	for _, v := range []struct {
		ossl string
		box  *SBox
	}{{"gost89-cnt", &SBoxCryptoProA}, {"gost89-cnt-12", &SBoxZ}} {
		t.Run(v.ossl, func(t *testing.T) {
			mk := func(key, iv []byte) (func(dst, src []byte), error) {
				c, err := NewCipher(key, v.box)
				if err != nil {
					return nil, err
				}
				f, err := streamFn(NewCNT(c, iv, CryptoProMeshing))
				if err != nil {
					return nil, err
				}
				return splitWrites(f), nil
			}
			opensslStream(t, v.ossl, 8, streamLengths, nil, mk, mk)
		})
	}
}

func TestOpenSSLCBC(t *testing.T) {
	osslref.Require(t)
	for _, p := range cryptParams {
		t.Run(p.env, func(t *testing.T) {
			t.Setenv("CRYPT_PARAMS", p.env)
			testOpenSSLCBC(t, p.box)
		})
	}
}

func testOpenSSLCBC(t *testing.T, box *SBox) {
	mk := func(decrypt bool) func(key, iv []byte) (func(dst, src []byte), error) {
		return func(key, iv []byte) (func(dst, src []byte), error) {
			c, err := NewCipher(key, box)
			if err != nil {
				return nil, err
			}
			if decrypt {
				return blockFn(NewCBCDecrypter(c, iv))
			}
			return blockFn(NewCBCEncrypter(c, iv))
		}
	}
	opensslStream(t, "gost89-cbc", 8, blockLengths, []string{"-nopad"}, mk(false), mk(true))
}

func TestOpenSSLMagma(t *testing.T) {
	osslref.Require(t)
	t.Run("magma-ctr", func(t *testing.T) {
		mk := func(key, iv []byte) (func(dst, src []byte), error) {
			c, err := NewMagma(key)
			if err != nil {
				return nil, err
			}
			return streamFn(NewCTR(c, iv))
		}
		opensslStream(t, "magma-ctr", 4, streamLengths, nil, mk, mk)
	})
	t.Run("magma-cbc", func(t *testing.T) {
		mk := func(decrypt bool) func(key, iv []byte) (func(dst, src []byte), error) {
			return func(key, iv []byte) (func(dst, src []byte), error) {
				c, err := NewMagma(key)
				if err != nil {
					return nil, err
				}
				if decrypt {
					return blockFn(NewCBCDecrypter(c, iv))
				}
				return blockFn(NewCBCEncrypter(c, iv))
			}
		}
		opensslStream(t, "magma-cbc", 8, blockLengths, []string{"-nopad"}, mk(false), mk(true))
	})
}

func opensslMAC(t *testing.T, alg string, key, msg []byte, size int) []byte {
	t.Helper()
	return osslref.Run(t, msg, "dgst", "-mac", alg, "-macopt", "hexkey:"+hex.EncodeToString(key),
		"-macopt", fmt.Sprintf("size:%d", size), "-binary")
}

func TestOpenSSLMAC(t *testing.T) {
	osslref.Require(t)
	lengths := append([]int{0, 3, 8, 16}, streamLengths...)
	lengths = append(lengths, 1032, 1040, 2056)
	for _, v := range []struct {
		ossl string
		box  *SBox
	}{{"gost-mac", &SBoxCryptoProA}, {"gost-mac-12", &SBoxZ}} {
		for _, size := range []int{4, 8} {
			for _, n := range lengths {
				t.Run(fmt.Sprintf("%s/%d/%d", v.ossl, size, n), func(t *testing.T) {
					key, msg := random(t, KeySize), random(t, n)
					c, err := NewCipher(key, v.box)
					if err != nil {
						t.Fatal(err)
					}
					m, err := NewMAC(c, size, CryptoProMeshing)
					if err != nil {
						t.Fatal(err)
					}
					splitWrites(func(_, src []byte) { m.Write(src) })(make([]byte, n), msg)
					got := m.Sum(nil)
					want := opensslMAC(t, v.ossl, key, msg, size)
					if !bytes.Equal(got, want) {
						t.Fatalf("MAC %x, OpenSSL %x", got, want)
					}
				})
			}
		}
	}
}

// TestOpenSSLKeyWrap checks RFC 4357 KEK diversification and key wrapping
// step by step with OpenSSL's GOST 28147-89 (CryptoPro A) as the cipher:
// diversification is eight CFB encryptions of the key under itself,
// wrapping is an ECB encryption (CBC with a zero IV, block by block) and a
// MAC whose initial state is the UKM (the same as the zero-state MAC of
// the message with the UKM XORed into its first block).
func TestOpenSSLKeyWrap(t *testing.T) {
	osslref.Require(t)
	t.Setenv("CRYPT_PARAMS", "id-Gost28147-89-CryptoPro-A-ParamSet")
	for i := 0; i < 4; i++ {
		kek, ukm, cek := random(t, 32), random(t, 8), random(t, 32)

		k := append([]byte(nil), kek...)
		for i := 0; i < 8; i++ {
			var s1, s2 uint32
			for j := 0; j < 8; j++ {
				w := binary.LittleEndian.Uint32(k[4*j:])
				if ukm[i]&(1<<j) != 0 {
					s1 += w
				} else {
					s2 += w
				}
			}
			iv := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, s1), s2)
			k = osslref.Run(t, k, "enc", "-gost89", "-K", hex.EncodeToString(k), "-iv", hex.EncodeToString(iv))
		}
		div, err := DiversifyKEK(kek, ukm, &SBoxCryptoProA)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(div, k) {
			t.Fatalf("diversified KEK %x, OpenSSL steps give %x", div, k)
		}

		var enc []byte
		for b := 0; b < 32; b += 8 {
			enc = append(enc, osslref.Run(t, cek[b:b+8], "enc", "-gost89-cbc", "-nopad",
				"-K", hex.EncodeToString(k), "-iv", "0000000000000000")...)
		}
		macIn := append([]byte(nil), cek...)
		for j := range ukm {
			macIn[j] ^= ukm[j]
		}
		mac := opensslMAC(t, "gost-mac", k, macIn, 4)
		want := append(append(append([]byte(nil), ukm...), enc...), mac...)

		got, err := WrapCryptoPro(kek, ukm, cek, &SBoxCryptoProA)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("wrapped\nours    %x\nOpenSSL %x", got, want)
		}
		back, err := UnwrapCryptoPro(kek, want, &SBoxCryptoProA)
		if err != nil || !bytes.Equal(back, cek) {
			t.Fatalf("unwrap: %v", err)
		}
	}
}

func TestOpenSSLMagmaMAC(t *testing.T) {
	osslref.Require(t)
	for _, n := range append([]int{0, 8, 16}, streamLengths...) {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			key, msg := random(t, KeySize), random(t, n)
			c, err := NewMagma(key)
			if err != nil {
				t.Fatal(err)
			}
			m, err := NewCMAC(c, 8)
			if err != nil {
				t.Fatal(err)
			}
			splitWrites(func(_, src []byte) { m.Write(src) })(make([]byte, n), msg)
			want := osslref.Run(t, msg, "dgst", "-mac", "magma-mac", "-macopt", "hexkey:"+hex.EncodeToString(key), "-binary")
			if got := m.Sum(nil); !bytes.Equal(got, want) {
				t.Fatalf("MAC %x, OpenSSL %x", got, want)
			}
		})
	}
}
