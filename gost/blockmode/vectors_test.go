package blockmode

import (
	"bytes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"hash"
	"strings"
	"testing"

	"github.com/zavera/zavera/gost/kuznyechik"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexs(b []byte) string { return hex.EncodeToString(b) }

// Keys and messages of GOST R 34.13-2015 appendix A (A.1 Kuznyechik, A.2
// Magma) and R 1323565.1.017-2018 appendix A (also RFC 8645 appendix A).
const (
	kKey = "8899aabbccddeeff0011223344556677fedcba98765432100123456789abcdef"
	mKey = "ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

	kPlain = `1122334455667700ffeeddccbbaa9988 00112233445566778899aabbcceeff0a
		112233445566778899aabbcceeff0a00 2233445566778899aabbcceeff0a0011`
	mPlain = "92def06b3c130a59 db54c704f8189d20 4a98fb2e67a8024c 8912409b17b57e41"

	// The extended messages of R 1323565.1.017-2018 A.1 and A.2.
	kPlainACPKM = kPlain + ` 33445566778899aabbcceeff0a001122
		445566778899aabbcceeff0a00112233 5566778899aabbcceeff0a0011223344`
	mPlainACPKM = `1122334455667700 ffeeddccbbaa9988 0011223344556677 8899aabbcceeff0a
		1122334455667788 99aabbcceeff0a00 2233445566778899`
)

// ciphers are the two block ciphers the modes are checked with: Kuznyechik
// in both implementations, and Magma.
var kuznyechiks = []struct {
	name string
	fn   NewCipherFunc
}{
	{"tables", kuznyechik.NewCipher},
	{"constant-time", kuznyechik.NewConstantTimeCipher},
}

func mustBlock(t testing.TB, fn NewCipherFunc, key string) cipher.Block {
	t.Helper()
	b, err := fn(unhex(t, key))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func xor(t testing.TB, s cipher.Stream, in []byte) []byte {
	out := make([]byte, len(in))
	s.XORKeyStream(out, in)
	return out
}

// TestCTRVectors: GOST R 34.13-2015 A.1.2 (Kuznyechik) and A.2.2 (Magma).
func TestCTRVectors(t *testing.T) {
	for _, k := range kuznyechiks {
		s, err := NewCTR(mustBlock(t, k.fn, kKey), unhex(t, "1234567890abcef0"))
		if err != nil {
			t.Fatal(err)
		}
		want := "f195d8bec10ed1dbd57b5fa240bda1b885eee733f6a13e5df33ce4b33c45dee4" +
			"a5eae88be6356ed3d5e877f13564a3a5cb91fab1f20cbab6d1c6d15820bdba73"
		if got := hexs(xor(t, s, unhex(t, kPlain))); got != want {
			t.Errorf("Kuznyechik (%s) CTR: %s, want %s", k.name, got, want)
		}
	}
	s, err := NewCTR(mustBlock(t, newTestMagma, mKey), unhex(t, "12345678"))
	if err != nil {
		t.Fatal(err)
	}
	want := "4e98110c97b7b93c3e250d93d6e85d69136d868807b2dbef568eb680ab52a12d"
	if got := hexs(xor(t, s, unhex(t, mPlain))); got != want {
		t.Errorf("Magma CTR: %s, want %s", got, want)
	}
}

// TestOMACVectors: GOST R 34.13-2015 A.1.6 and A.2.6 (MACs of half a
// block).
func TestOMACVectors(t *testing.T) {
	for _, k := range kuznyechiks {
		m, err := NewOMAC(mustBlock(t, k.fn, kKey), 8)
		if err != nil {
			t.Fatal(err)
		}
		m.Write(unhex(t, kPlain))
		if got, want := hexs(m.Sum(nil)), "336f4d296059fbe3"; got != want {
			t.Errorf("Kuznyechik (%s) OMAC: %s, want %s", k.name, got, want)
		}
	}
	m, err := NewOMAC(mustBlock(t, newTestMagma, mKey), 4)
	if err != nil {
		t.Fatal(err)
	}
	m.Write(unhex(t, mPlain))
	if got, want := hexs(m.Sum(nil)), "154e7210"; got != want {
		t.Errorf("Magma OMAC: %s, want %s", got, want)
	}
}

// TestACPKMKeys: the section keys of R 1323565.1.017-2018 A.1 and A.2.
func TestACPKMKeys(t *testing.T) {
	cases := []struct {
		name string
		fn   NewCipherFunc
		want []string
	}{
		{"Kuznyechik", kuznyechik.NewCipher, []string{
			"2666ed40ae687811745ca0b448f57a7b390adb5780307e8e9659ac403ae60c60",
			"bb3dd5402e999b7a3debb0db45448ec530f07365dfee3aba8415f77ac8f34ce8",
			"23362fd553cad2178299a5b5a2d4722e3bb83c730a8bf57ce2dd004017f8c565",
		}},
		{"Magma", newTestMagma, []string{
			"863ea017842c3d372b18a85a28e2317d74befc107720de0c9e8ab974abd00ca0",
			"49a5e2677de555982b8ad5e826652d17eec847bf5b3997a81cf7fe7f1187bd27",
			"3256bf3f97b5667426a9fb1c5eaabe41893ccdd5a868f9b63b0aa90720fa43c4",
		}},
	}
	for _, c := range cases {
		key := unhex(t, kKey)
		for i, want := range c.want {
			key = ACPKM(mustBlock(t, c.fn, hexs(key)))
			if got := hexs(key); got != want {
				t.Errorf("%s K^%d = %s, want %s", c.name, i+2, got, want)
			}
		}
	}
}

// TestCTRACPKMVectors: R 1323565.1.017-2018 A.1 (Kuznyechik, N = 256 bits)
// and A.2 (Magma, N = 128 bits), both directions, whole and byte by byte.
func TestCTRACPKMVectors(t *testing.T) {
	type tc struct {
		name       string
		fn         NewCipherFunc
		iv         string
		section    int
		plain, enc string
	}
	cases := []tc{
		{"Magma", newTestMagma, "12345678", 16, mPlainACPKM,
			`2ab81deeeb1e4cab68e104c4bd6b94eac72c67af6c2e5b6b0eafb61770f1b32e
			 a1ae71149eed1382abd467180672ec6f84a2f15b3fca72c1`},
	}
	for _, k := range kuznyechiks {
		cases = append(cases, tc{"Kuznyechik " + k.name, k.fn, "1234567890abcef0", 32, kPlainACPKM,
			`f195d8bec10ed1dbd57b5fa240bda1b885eee733f6a13e5df33ce4b33c45dee4
			 4bceeb8f646f4c550017 06275e85e800587c4df568d094393e4834afd0805046
			 cf30f57686aeece11cfc6c316b8a896edffd07ec813636460c4f3b743423163e
			 6409a9c282fac8d469d221e7fbd6de5d`})
	}
	for _, c := range cases {
		pt, ct := unhex(t, c.plain), unhex(t, c.enc)
		for _, dir := range [][2][]byte{{pt, ct}, {ct, pt}} {
			s, err := NewCTRACPKM(c.fn, unhex(t, kKey), unhex(t, c.iv), c.section)
			if err != nil {
				t.Fatal(err)
			}
			if got := xor(t, s, dir[0]); !bytes.Equal(got, dir[1]) {
				t.Errorf("%s: %x, want %x", c.name, got, dir[1])
			}
			s, _ = NewCTRACPKM(c.fn, unhex(t, kKey), unhex(t, c.iv), c.section)
			got := make([]byte, len(dir[0]))
			for i := range dir[0] {
				s.XORKeyStream(got[i:i+1], dir[0][i:i+1])
			}
			if !bytes.Equal(got, dir[1]) {
				t.Errorf("%s byte by byte: %x, want %x", c.name, got, dir[1])
			}
		}
	}
}

// TestACPKMMasterVectors: the key material of R 1323565.1.017-2018 A.3 and
// A.4 (ACPKM-Master for OMAC-ACPKM).
func TestACPKMMasterVectors(t *testing.T) {
	got, err := ACPKMMaster(kuznyechik.NewCipher, unhex(t, kKey), 96, 3*48)
	if err != nil {
		t.Fatal(err)
	}
	want := `0cabf1f2efbc4ac16048df1a24c605b2c0d1673d7586a8ec0dd42c45a4f95bae
		0f2e2617e47148680fc3e6178df2c137c9dda89cffa491feadd9b3eab703bb31
		bc7e927f0494729f51b49d3df9c9460800fbbcf5edee610ea02f01093c7bc742
		d7d6271501b177775263c2a3495a8318a81c79a04f29660ea3fda874c630799e
		142c577914fea90d3bc2502e833685d9`
	if !bytes.Equal(got, unhex(t, want)) {
		t.Errorf("Kuznyechik: %x", got)
	}
	got, err = ACPKMMaster(newTestMagma, unhex(t, kKey), 80, 3*40)
	if err != nil {
		t.Fatal(err)
	}
	want = `0df2f5273da328932ac49d81d36b2558a50dbf9bbcac74a614b2ccb2f1cbcd8a
		70638e3de8b3571e8d3826d55e63a167e2406640547b9f1f5f2b43612aaeafda
		180bac8604dfa6fe53c2ce270e9c9f5268d0fdbfe1a3bdd9be5b96d0a1202348
		6ef1710f924ae0313052cb5fca0b791e1babe8576d0fe3a8`
	if !bytes.Equal(got, unhex(t, want)) {
		t.Errorf("Magma: %x", got)
	}
}

// TestOMACACPKMVectors: R 1323565.1.017-2018 A.3 (Magma) and A.4
// (Kuznyechik), each for a message of 1.5 and of 5 blocks.
func TestOMACACPKMVectors(t *testing.T) {
	type tc struct {
		name            string
		fn              NewCipherFunc
		n, keySec, size int
		msg, mac        string
	}
	cases := []tc{
		{"Magma 1.5 blocks", newTestMagma, 16, 80, 8, "1122334455667700ffeeddcc", "a0540e3730acbcf3"},
		{"Magma 5 blocks", newTestMagma, 16, 80, 8,
			"1122334455667700ffeeddccbbaa998800112233445566778899aabbcceeff0a1122334455667788", "34008dad5496bb8e"},
	}
	for _, k := range kuznyechiks {
		cases = append(cases,
			tc{"Kuznyechik 1.5 blocks " + k.name, k.fn, 32, 96, 16,
				"1122334455667700ffeeddccbbaa99880011223344556677", "b5367f47b62b995eeb2a648c5843145e"},
			tc{"Kuznyechik 5 blocks " + k.name, k.fn, 32, 96, 16, kPlain +
				" 33445566778899aabbcceeff0a001122", "fbb8dcee45bea67c35f58c5700898e5d"})
	}
	for _, c := range cases {
		m, err := NewOMACACPKM(c.fn, unhex(t, kKey), c.n, c.keySec, c.size)
		if err != nil {
			t.Fatal(err)
		}
		msg := unhex(t, c.msg)
		m.Write(msg)
		if got := hexs(m.Sum(nil)); got != c.mac {
			t.Errorf("%s: %s, want %s", c.name, got, c.mac)
		}
		checkStreaming(t, c.name, m, msg, c.mac)
	}
}

// checkStreaming feeds msg in two pieces at every split point, after a
// Reset, and checks that Sum between them gives the MAC of the prefix (as
// a fresh MAC after Reset computes it) and leaves the state alone.
func checkStreaming(t *testing.T, name string, m hash.Hash, msg []byte, want string) {
	t.Helper()
	for i := 0; i <= len(msg); i++ {
		m.Reset()
		m.Write(msg[:i])
		mid := m.Sum(nil)
		m.Write(msg[i:])
		if got := hexs(m.Sum(nil)); got != want {
			t.Fatalf("%s split at %d: %s, want %s", name, i, got, want)
		}
		m.Reset()
		m.Write(msg[:i])
		m.Write(nil)
		if prefix := m.Sum(nil); !bytes.Equal(prefix, mid) {
			t.Fatalf("%s: Sum after %d bytes mid-stream %x, fresh %x", name, i, mid, prefix)
		}
		m.Write(msg[i:])
		if got := hexs(m.Sum(nil)); got != want {
			t.Fatalf("%s split at %d: %s, want %s", name, i, got, want)
		}
		if got := hexs(m.Sum(nil)); got != want {
			t.Fatalf("%s: second Sum %s, want %s", name, got, want)
		}
	}
}

func TestOMACStreaming(t *testing.T) {
	m, _ := NewOMAC(mustBlock(t, kuznyechik.NewCipher, kKey), 8)
	checkStreaming(t, "Kuznyechik OMAC", m, unhex(t, kPlain), "336f4d296059fbe3")
}

func TestParameterErrors(t *testing.T) {
	b := mustBlock(t, kuznyechik.NewCipher, kKey)
	if _, err := NewCTR(b, make([]byte, 16)); err != ErrIVSize {
		t.Errorf("16-byte CTR IV: %v", err)
	}
	if _, err := NewCTRACPKM(kuznyechik.NewCipher, unhex(t, kKey), make([]byte, 8), 24); err != ErrSectionSize {
		t.Errorf("section of 24 bytes: %v", err)
	}
	if _, err := NewOMAC(b, 17); err != ErrTagSize {
		t.Errorf("17-byte MAC: %v", err)
	}
	if _, err := NewOMACACPKM(kuznyechik.NewCipher, unhex(t, kKey), 32, 0, 16); err != ErrSectionSize {
		t.Errorf("T* of 0: %v", err)
	}
	var ke kuznyechik.KeySizeError
	if _, err := NewCTRACPKM(kuznyechik.NewCipher, make([]byte, 16), make([]byte, 8), 32); !errors.As(err, &ke) {
		t.Errorf("short key: %v", err)
	}
}
