package streebog

import (
	"bytes"
	"hash"
	"math/rand/v2"
	"testing"
)

func constructors() map[string]func() hash.Hash {
	return map[string]func() hash.Hash{"256": New256, "512": New512}
}

// writeChunks writes msg to h in pieces whose sizes come from rng.
func writeChunks(h hash.Hash, msg []byte, rng *rand.Rand) {
	for len(msg) > 0 {
		n := rng.IntN(len(msg)) + 1
		if rng.IntN(4) == 0 {
			n = min(len(msg), rng.IntN(3)) // also zero- and one-byte writes
		}
		h.Write(msg[:n])
		msg = msg[n:]
	}
}

func TestChunkingDoesNotChangeTheDigest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, newHash := range constructors() {
		for _, size := range []int{0, 1, 63, 64, 65, 127, 128, 129, 1000, 4096 + 17} {
			msg := make([]byte, size)
			for i := range msg {
				msg[i] = byte(rng.Uint32())
			}
			whole := newHash()
			whole.Write(msg)
			want := whole.Sum(nil)
			for range 20 {
				h := newHash()
				writeChunks(h, msg, rng)
				if got := h.Sum(nil); !bytes.Equal(got, want) {
					t.Fatalf("%s: %d bytes in chunks = %x, whole = %x", name, size, got, want)
				}
			}
		}
	}
}

func TestSumLeavesStateAndReset(t *testing.T) {
	for name, newHash := range constructors() {
		h := newHash()
		h.Write([]byte("первая часть; "))
		mid := h.Sum([]byte("prefix"))
		if !bytes.HasPrefix(mid, []byte("prefix")) || len(mid) != len("prefix")+h.Size() {
			t.Fatalf("%s: Sum did not append to its argument: %x", name, mid)
		}
		h.Write([]byte("вторая часть"))
		got := h.Sum(nil)

		ref := newHash()
		ref.Write([]byte("первая часть; вторая часть"))
		if want := ref.Sum(nil); !bytes.Equal(got, want) {
			t.Fatalf("%s: Sum in the middle disturbed the state: %x, want %x", name, got, want)
		}
		h.Reset()
		if got, want := h.Sum(nil), newHash().Sum(nil); !bytes.Equal(got, want) {
			t.Fatalf("%s: after Reset %x, want empty-message digest %x", name, got, want)
		}
		if h.BlockSize() != BlockSize {
			t.Fatalf("%s: BlockSize = %d", name, h.BlockSize())
		}
	}
	if New256().Size() != Size256 || New512().Size() != Size512 {
		t.Fatal("wrong Size")
	}
}

func TestSizesAreDistinct(t *testing.T) {
	// The 256-bit hash is not a truncation of the 512-bit one: the IVs differ.
	a, b := Sum256([]byte("abc")), Sum512([]byte("abc"))
	if bytes.Equal(a[:], b[32:]) || bytes.Equal(a[:], b[:32]) {
		t.Fatal("Streebog-256 equals half of Streebog-512")
	}
}

func TestCounterCarries(t *testing.T) {
	// Drive the 512-bit addition through a carry chain across words.
	var z [8]uint64
	z[0] = ^uint64(0)
	z[1] = ^uint64(0)
	addBits(&z, 1)
	if z[0] != 0 || z[1] != 0 || z[2] != 1 {
		t.Fatalf("addBits carry: %x", z)
	}
	a := [8]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
	b := [8]uint64{1}
	add512(&a, &b)
	if a != ([8]uint64{}) {
		t.Fatalf("add512 should wrap to zero: %x", a)
	}
	c := [8]uint64{^uint64(0), 5}
	d := [8]uint64{^uint64(0), 1}
	add512(&c, &d)
	if c[0] != ^uint64(0)-1 || c[1] != 7 {
		t.Fatalf("add512 carry: %x", c)
	}
}

func FuzzChunking(f *testing.F) {
	f.Add([]byte("0123456789"), uint64(1))
	f.Add(bytes.Repeat([]byte{0xff}, 200), uint64(7))
	f.Add([]byte{}, uint64(0))
	f.Fuzz(func(t *testing.T, msg []byte, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 0))
		for name, newHash := range constructors() {
			whole := newHash()
			whole.Write(msg)
			h := newHash()
			writeChunks(h, msg, rng)
			if a, b := whole.Sum(nil), h.Sum(nil); !bytes.Equal(a, b) {
				t.Fatalf("%s: chunked %x != whole %x", name, b, a)
			}
		}
		one := Sum256(msg)
		h := New256()
		h.Write(msg)
		if !bytes.Equal(one[:], h.Sum(nil)) {
			t.Fatal("Sum256 differs from New256")
		}
	})
}
