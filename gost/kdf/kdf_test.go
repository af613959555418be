package kdf

import (
	"bytes"
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

// RFC 7836 appendix B (R 50.1.113-2016 appendix A).
const (
	rfcKey   = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	rfcLabel = "26bdb878"
	rfcSeed  = "af21434145656378"
	rfcData  = "0126bdb87800af214341456563780100"
	rfcH256  = "a1aa5f7de402d7b3d323f2991c8d4534013137010a83754fd0af6d7cd4922ed9"
)

func TestHMACVectors(t *testing.T) {
	h := NewHMAC256(unhex(t, rfcKey))
	h.Write(unhex(t, rfcData))
	if got := hex.EncodeToString(h.Sum(nil)); got != rfcH256 {
		t.Errorf("HMAC-256 = %s", got)
	}
	h = NewHMAC512(unhex(t, rfcKey))
	h.Write(unhex(t, rfcData))
	want := "a59bab22ecae19c65fbde6e5f4e9f5d8549d31f037f9df9b905500e171923a77" +
		"3d5f1530f2ed7e964cb2eedc29e9ad2f3afe93b2814f79f5000ffc0366c251e6"
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("HMAC-512 = %s", got)
	}
}

func TestKDF256Vector(t *testing.T) {
	got := KDF256(unhex(t, rfcKey), unhex(t, rfcLabel), unhex(t, rfcSeed))
	if hex.EncodeToString(got) != rfcH256 {
		t.Errorf("KDF256 = %x", got)
	}
}

func TestKDFTreeVector(t *testing.T) {
	got, err := KDFTree256(unhex(t, rfcKey), unhex(t, rfcLabel), unhex(t, rfcSeed), 1, 64)
	if err != nil {
		t.Fatal(err)
	}
	want := "22b6837845c6bef65ea71672b265831086d3c76aebe6dae91cad51d83f79d16b" +
		"074c9330599d7f8d712fca54392f4ddde93751206b3584c8f43f9e6dc51531f9"
	if hex.EncodeToString(got) != want {
		t.Errorf("KDF_TREE = %x", got)
	}
}

// TestKDFTreeEncoding checks the input layout for other R and L against
// HMAC computed directly, so that the counter width and the length field
// are pinned beyond the one published example.
func TestKDFTreeEncoding(t *testing.T) {
	key, label, seed := unhex(t, rfcKey), []byte("label"), []byte("seed")
	got, err := KDFTree256(key, label, seed, 2, 40)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for i := byte(1); i <= 2; i++ {
		h := NewHMAC256(key)
		h.Write([]byte{0, i})
		h.Write(label)
		h.Write([]byte{0})
		h.Write(seed)
		h.Write([]byte{0x01, 0x40}) // 320 bits
		want = h.Sum(want)
	}
	if !bytes.Equal(got, want[:40]) {
		t.Errorf("R=2, L=320: %x, want %x", got, want[:40])
	}
	for _, c := range []struct{ r, n int }{{0, 32}, {5, 32}, {1, 0}, {1, 32 * 256}} {
		if _, err := KDFTree256(key, label, seed, c.r, c.n); !errors.Is(err, ErrParameter) {
			t.Errorf("R=%d, %d bytes: %v", c.r, c.n, err)
		}
	}
}

// TestPBKDF2Vectors: RFC 9337 / R 50.1.111-2016 appendix A, all but the
// 16777216-iteration example (minutes of CPU).
func TestPBKDF2Vectors(t *testing.T) {
	cases := []struct {
		pass, salt string
		iter, n    int
		want       string
	}{
		{"password", "salt", 1, 64, "64770af7f748c3b1c9ac831dbcfd85c26111b30a8a657ddc3056b80ca73e040d2854fd36811f6d825cc4ab66ec0a68a490a9e5cf5156b3a2b7eecddbf9a16b47"},
		{"password", "salt", 2, 64, "5a585bafdfbb6e8830d6d68aa3b43ac00d2e4aebce01c9b31c2caed56f0236d4d34b2b8fbd2c4e89d54d46f50e47d45bbac301571743119e8d3c42ba66d348de"},
		{"password", "salt", 4096, 64, "e52deb9a2d2aaff4e2ac9d47a41f34c20376591c67807f0477e32549dc341bc7867c09841b6d58e29d0347c996301d55df0d34e47cf68f4e3c2cdaf1d9ab86c3"},
		{"passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 100, "b2d8f1245fc4d29274802057e4b54e0a0753aa22fc53760b301cf008679e58fe4bee9addcae99ba2b0b20f431a9c5e50f395c89387d0945aedeca6eb4015dfc2bd2421ee9bb71183ba882ceebfef259f33f9e27dc6178cb89dc37428cf9cc52a2baa2d3a"},
		{"pass\x00word", "sa\x00lt", 4096, 64, "50df062885b69801a3c10248eb0a27ab6e522ffeb20c991c660f001475d73a4e167f782c18e97e92976d9c1d970831ea78ccb879f67068cdac1910740844e830"},
	}
	for _, c := range cases {
		got, err := PBKDF2([]byte(c.pass), []byte(c.salt), c.iter, c.n)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != c.want {
			t.Errorf("PBKDF2(%q, %q, %d, %d) = %x", c.pass, c.salt, c.iter, c.n, got)
		}
	}
	if _, err := PBKDF2(nil, nil, 0, 32); !errors.Is(err, ErrParameter) {
		t.Errorf("0 iterations: %v", err)
	}
}

func BenchmarkPBKDF2(b *testing.B) {
	for i := 0; i < b.N; i++ {
		PBKDF2([]byte("password"), []byte("salt"), 2000, 32)
	}
}
