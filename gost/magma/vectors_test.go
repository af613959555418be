package magma

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 8891 section A.3 (GOST R 34.12-2015, Magma, example A.2).
func TestRFC8891Block(t *testing.T) {
	key := unhex(t, "ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
	pt := unhex(t, "fedcba9876543210")
	want := unhex(t, "4ee901e5c2d8ca3d")
	c, err := NewMagma(key)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 8)
	c.Encrypt(got, pt)
	if !bytes.Equal(got, want) {
		t.Fatalf("encrypt %x, want %x", got, want)
	}
	c.Decrypt(got, got)
	if !bytes.Equal(got, pt) {
		t.Fatalf("decrypt %x, want %x", got, pt)
	}
}

// GOST R 34.13-2015 appendix A.2 (Magma), the same key as RFC 8891.
const (
	r3413Key = "ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
	r3413PT  = "92def06b3c130a59db54c704f8189d204a98fb2e67a8024c8912409b17b57e41"
)

func TestR3413ECB(t *testing.T) {
	c, _ := NewMagma(unhex(t, r3413Key))
	pt := unhex(t, r3413PT)
	want := unhex(t, "2b073f0494f372a0de70e715d3556e4811d8d9e9eacfbc1e7c68260996c67efb")
	got := make([]byte, len(pt))
	NewECBEncrypter(c).CryptBlocks(got, pt)
	if !bytes.Equal(got, want) {
		t.Fatalf("ECB %x, want %x", got, want)
	}
	NewECBDecrypter(c).CryptBlocks(got, got)
	if !bytes.Equal(got, pt) {
		t.Fatalf("ECB decrypt %x", got)
	}
}

func TestR3413CTR(t *testing.T) {
	c, _ := NewMagma(unhex(t, r3413Key))
	pt := unhex(t, r3413PT)
	want := unhex(t, "4e98110c97b7b93c3e250d93d6e85d69136d868807b2dbef568eb680ab52a12d")
	s, err := NewCTR(c, unhex(t, "12345678"))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(pt))
	s.XORKeyStream(got, pt)
	if !bytes.Equal(got, want) {
		t.Fatalf("CTR %x, want %x", got, want)
	}
}

func TestR3413CBC(t *testing.T) {
	// GOST R 34.13-2015 uses a 3-block IV (m = 3n) for Magma CBC: the
	// shift register of blocks. Block i is chained with IV block i mod 3
	// until ciphertext replaces it, so three interleaved one-block-IV CBC
	// chains reproduce it.
	c, _ := NewMagma(unhex(t, r3413Key))
	pt := unhex(t, r3413PT)
	iv := unhex(t, "1234567890abcdef234567890abcdef134567890abcdef12")
	want := unhex(t, "96d1b05eea683919aff76129abb937b95058b4a1c4bc001920b78b1a7cd7e667")
	got := make([]byte, len(pt))
	for lane := 0; lane < 3; lane++ {
		m, err := NewCBCEncrypter(c, iv[8*lane:8*lane+8])
		if err != nil {
			t.Fatal(err)
		}
		for b := lane; b < 4; b += 3 {
			m.CryptBlocks(got[8*b:8*b+8], pt[8*b:8*b+8])
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("CBC %x, want %x", got, want)
	}
}

func TestR3413CFB(t *testing.T) {
	// GOST R 34.13-2015 CFB for Magma with s = n = 64 and a 2-block
	// register: block i is fed back into block i+2, so two interleaved
	// 64-bit-feedback streams (one per IV block) reproduce it.
	c, _ := NewMagma(unhex(t, r3413Key))
	pt := unhex(t, r3413PT)
	iv := unhex(t, "1234567890abcdef234567890abcdef1")
	want := unhex(t, "db37e0e266903c830d46644c1f9a089c24bdd2035315d38bbcc0321421075505")
	got := make([]byte, len(pt))
	for lane := 0; lane < 2; lane++ {
		s, err := NewCFBEncrypter(c, iv[8*lane:8*lane+8], NoMeshing)
		if err != nil {
			t.Fatal(err)
		}
		for b := lane; b < 4; b += 2 {
			s.XORKeyStream(got[8*b:8*b+8], pt[8*b:8*b+8])
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("CFB %x, want %x", got, want)
	}
}

func TestR3413MAC(t *testing.T) {
	// GOST R 34.13-2015 appendix A.2.6: the MAC of the four blocks is
	// 154e7210 (s = 32); OpenSSL's magma-mac gives the whole block.
	c, _ := NewMagma(unhex(t, r3413Key))
	m, err := NewCMAC(c, 4)
	if err != nil {
		t.Fatal(err)
	}
	m.Write(unhex(t, r3413PT))
	if got := m.Sum(nil); !bytes.Equal(got, unhex(t, "154e7210")) {
		t.Fatalf("MAC %x, want 154e7210", got)
	}
}
