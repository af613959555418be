package streebog

import "testing"

func benchmarkHash(b *testing.B, size int, newHash func() interface {
	Write([]byte) (int, error)
	Sum([]byte) []byte
	Reset()
}) {
	buf := make([]byte, size)
	h := newHash()
	out := make([]byte, 0, 64)
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		h.Reset()
		h.Write(buf)
		out = h.Sum(out[:0])
	}
}

func BenchmarkStreebog256_16K(b *testing.B) {
	benchmarkHash(b, 16384, func() interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
		Reset()
	} {
		return New256()
	})
}

func BenchmarkStreebog512_16K(b *testing.B) {
	benchmarkHash(b, 16384, func() interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
		Reset()
	} {
		return New512()
	})
}

func BenchmarkStreebog256_64(b *testing.B) {
	benchmarkHash(b, 64, func() interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
		Reset()
	} {
		return New256()
	})
}
