package kuznyechik

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The key and blocks of GOST R 34.12-2015 A.1 / RFC 7801 section 5 and the
// ECB example of GOST R 34.13-2015 A.1.1.
const (
	vecKey = "8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef"
	vecPT  = "1122334455667700ffeeddccbbaa9988" +
		"00112233445566778899aabbcceeff0a" +
		"112233445566778899aabbcceeff0a00" +
		"2233445566778899aabbcceeff0a0011"
	vecCT = "7f679d90bebc24305a468d42b9d4edcd" +
		"b429912c6e0032f9285452d76718d08b" +
		"f0ca33549d247ceef3f5a5313bd4b157" +
		"d0b09ccde830b9eb3a02c4c5aa8ada98"
)

var constructors = []struct {
	name string
	fn   func([]byte) (cipher.Block, error)
}{
	{"tables", NewCipher},
	{"constant-time", NewConstantTimeCipher},
}

func TestVectors(t *testing.T) {
	for _, c := range constructors {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.fn(unhex(t, vecKey))
			if err != nil {
				t.Fatal(err)
			}
			pt, ct := unhex(t, vecPT), unhex(t, vecCT)
			got := make([]byte, len(pt))
			for i := 0; i < len(pt); i += BlockSize {
				b.Encrypt(got[i:], pt[i:])
			}
			if !bytes.Equal(got, ct) {
				t.Fatalf("encrypt: got %x, want %x", got, ct)
			}
			for i := 0; i < len(ct); i += BlockSize {
				b.Decrypt(got[i:], ct[i:])
			}
			if !bytes.Equal(got, pt) {
				t.Fatalf("decrypt: got %x, want %x", got, pt)
			}
		})
	}
}

// TestKeySchedule checks the round keys of GOST R 34.12-2015 A.1.4 (K_3
// and K_10).
func TestKeySchedule(t *testing.T) {
	rk := schedule(unhex(t, vecKey), lsCT)
	var b [16]byte
	store(b[:], rk[2])
	if got, want := hex.EncodeToString(b[:]), "db31485315694343228d6aef8cc78c44"; got != want {
		t.Errorf("K3 = %s, want %s", got, want)
	}
	store(b[:], rk[9])
	if got, want := hex.EncodeToString(b[:]), "72e9dd7416bcf45b755dbaa88e4a4043"; got != want {
		t.Errorf("K10 = %s, want %s", got, want)
	}
	if fast := schedule(unhex(t, vecKey), lsFast); fast != rk {
		t.Error("the table and constant-time key schedules differ")
	}
}

// TestImplementationsAgree compares both implementations on random keys
// and blocks, both directions.
func TestImplementationsAgree(t *testing.T) {
	key := make([]byte, KeySize)
	blk := make([]byte, BlockSize)
	for i := 0; i < 200; i++ {
		rand.Read(key)
		rand.Read(blk)
		f, _ := NewCipher(key)
		c, _ := NewConstantTimeCipher(key)
		a, b := make([]byte, BlockSize), make([]byte, BlockSize)
		f.Encrypt(a, blk)
		c.Encrypt(b, blk)
		if !bytes.Equal(a, b) {
			t.Fatalf("encrypt differs for key %x block %x: %x vs %x", key, blk, a, b)
		}
		f.Decrypt(a, blk)
		c.Decrypt(b, blk)
		if !bytes.Equal(a, b) {
			t.Fatalf("decrypt differs for key %x block %x: %x vs %x", key, blk, a, b)
		}
		c.Encrypt(b, a)
		if !bytes.Equal(b, blk) {
			t.Fatalf("E(D(x)) != x for key %x block %x", key, blk)
		}
	}
}

func TestInPlace(t *testing.T) {
	for _, c := range constructors {
		b, _ := c.fn(unhex(t, vecKey))
		x := unhex(t, vecPT)[:16]
		b.Encrypt(x, x)
		if want := unhex(t, vecCT)[:16]; !bytes.Equal(x, want) {
			t.Fatalf("%s: in-place encrypt %x, want %x", c.name, x, want)
		}
	}
}

func TestKeySize(t *testing.T) {
	for _, c := range constructors {
		for _, n := range []int{0, 16, 31, 33} {
			_, err := c.fn(make([]byte, n))
			var ke KeySizeError
			if !errors.As(err, &ke) || int(ke) != n {
				t.Errorf("%s: key of %d bytes: err %v", c.name, n, err)
			}
		}
	}
}

func TestSBoxIsPermutation(t *testing.T) {
	var seen [256]bool
	for _, v := range pi {
		if seen[v] {
			t.Fatalf("π repeats %d", v)
		}
		seen[v] = true
	}
}

func BenchmarkEncrypt(b *testing.B) {
	for _, c := range constructors {
		b.Run(c.name, func(b *testing.B) {
			blk, _ := c.fn(make([]byte, KeySize))
			x := make([]byte, BlockSize)
			b.SetBytes(BlockSize)
			for i := 0; i < b.N; i++ {
				blk.Encrypt(x, x)
			}
		})
	}
}

// TestEncryptBlocks checks the batched encryption against Encrypt for odd
// and even block counts, in place and not.
func TestEncryptBlocks(t *testing.T) {
	key := make([]byte, KeySize)
	rand.Read(key)
	b, _ := NewCipher(key)
	mb := b.(interface{ EncryptBlocks(dst, src []byte) })
	for blocks := 0; blocks <= 7; blocks++ {
		src := make([]byte, blocks*BlockSize)
		rand.Read(src)
		want := make([]byte, len(src))
		for i := 0; i < len(src); i += BlockSize {
			b.Encrypt(want[i:], src[i:])
		}
		got := make([]byte, len(src))
		mb.EncryptBlocks(got, src)
		if !bytes.Equal(got, want) {
			t.Fatalf("%d blocks: %x, want %x", blocks, got, want)
		}
		mb.EncryptBlocks(src, src)
		if !bytes.Equal(src, want) {
			t.Fatalf("%d blocks in place: %x, want %x", blocks, src, want)
		}
	}
}
