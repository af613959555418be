package blockmode

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/zavera/zavera/gost/kuznyechik"
)

// refOMACACPKM computes OMAC-ACPKM in one pass from the definition
// (R 1323565.1.017-2018, 4.3): the key material of all sections first,
// then CBC-MAC with the section keys and the last section's mask.
func refOMACACPKM(t *testing.T, fn NewCipherFunc, key, msg []byte, sec, keySec int) []byte {
	b, _ := fn(key)
	n := b.BlockSize()
	sections := max(1, (len(msg)+sec-1)/sec)
	km, err := ACPKMMaster(fn, key, keySec, sections*(KeySize+n))
	if err != nil {
		t.Fatal(err)
	}
	last := 0
	if len(msg) > 0 {
		last = (len(msg) - 1) / n * n
	}
	prev := make([]byte, n)
	var k1 []byte
	use := func(off int) {
		s := off / sec
		m := km[s*(KeySize+n):]
		b, _ = fn(m[:KeySize])
		k1 = m[KeySize : KeySize+n]
	}
	for off := 0; off < last; off += n {
		use(off)
		for i := range prev {
			prev[i] ^= msg[off+i]
		}
		b.Encrypt(prev, prev)
	}
	use(last)
	tail := make([]byte, n)
	copy(tail, msg[last:])
	k := k1
	if len(msg)-last < n {
		tail[len(msg)-last] = 0x80
		k = double(k1)
	}
	for i := range tail {
		tail[i] ^= prev[i] ^ k[i]
	}
	b.Encrypt(tail, tail)
	return tail
}

// TestOMACACPKMAgainstReference compares the streaming OMAC-ACPKM, with a
// Sum after every prefix, with the one-pass definition, for sections that
// do not line up with the key material (T* of five blocks against 48-byte
// key material), so that Sum has to copy a part-used key stream.
func TestOMACACPKMAgainstReference(t *testing.T) {
	key := make([]byte, KeySize)
	rand.Read(key)
	msg := make([]byte, 150)
	rand.Read(msg)
	for _, c := range []struct {
		name        string
		fn          NewCipherFunc
		sec, keySec int
	}{
		{"Kuznyechik", kuznyechik.NewCipher, 32, 80},
		{"Kuznyechik constant-time", kuznyechik.NewConstantTimeCipher, 48, 112},
		{"Magma", newTestMagma, 16, 56},
	} {
		m, err := NewOMACACPKM(c.fn, key, c.sec, c.keySec, m0(c.fn))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i <= len(msg); i++ {
			if i > 0 {
				m.Write(msg[i-1 : i])
			}
			want := refOMACACPKM(t, c.fn, key, msg[:i], c.sec, c.keySec)
			if got := m.Sum(nil); !bytes.Equal(got, want) {
				t.Fatalf("%s, %d bytes: %x, want %x", c.name, i, got, want)
			}
		}
	}
}

func m0(fn NewCipherFunc) int {
	b, _ := fn(make([]byte, KeySize))
	return b.BlockSize()
}

// TestCTRACPKMBatches compares CTR-ACPKM with the batched table cipher and
// the one-block-at-a-time constant-time cipher for section sizes that are
// not a multiple of the batch, fed in pieces of random sizes, so that no
// batch may run past a section boundary.
func TestCTRACPKMBatches(t *testing.T) {
	key, iv := make([]byte, KeySize), make([]byte, 8)
	rand.Read(key)
	rand.Read(iv)
	msg := make([]byte, 3000)
	rand.Read(msg)
	for _, blocks := range []int{1, 3, 17, 40} {
		sec := blocks * kuznyechik.BlockSize
		fast, err := NewCTRACPKM(kuznyechik.NewCipher, key, iv, sec)
		if err != nil {
			t.Fatal(err)
		}
		ct, _ := NewCTRACPKM(kuznyechik.NewConstantTimeCipher, key, iv, sec)
		a, b := make([]byte, len(msg)), make([]byte, len(msg))
		ct.XORKeyStream(b, msg)
		for off := 0; off < len(msg); {
			n := min(len(msg)-off, 1+int(msg[off])%70)
			fast.XORKeyStream(a[off:off+n], msg[off:off+n])
			off += n
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("section of %d blocks: batched and single-block keystreams differ", blocks)
		}
	}
}
