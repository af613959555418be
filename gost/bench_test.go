package gost

import (
	"crypto/rand"
	"testing"
)

func benchCurves() []string {
	return []string{"id-tc26-gost-3410-12-256-paramSetA", "id-tc26-gost-3410-12-512-paramSetA"}
}

func BenchmarkSign(b *testing.B) {
	for _, name := range benchCurves() {
		c, err := CurveByName(name)
		if err != nil {
			b.Fatal(err)
		}
		key, err := GenerateKey(c, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		digest := make([]byte, c.Size())
		rand.Read(digest)
		b.Run(sizeName(c), func(b *testing.B) {
			for b.Loop() {
				if _, err := key.Sign(rand.Reader, digest, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, name := range benchCurves() {
		c, err := CurveByName(name)
		if err != nil {
			b.Fatal(err)
		}
		key, err := GenerateKey(c, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		digest := make([]byte, c.Size())
		rand.Read(digest)
		sig, err := key.Sign(rand.Reader, digest, nil)
		if err != nil {
			b.Fatal(err)
		}
		pub := key.PublicKey()
		b.Run(sizeName(c), func(b *testing.B) {
			for b.Loop() {
				if err := pub.Verify(digest, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func sizeName(c *Curve) string {
	if c.Size() == 64 {
		return "512"
	}
	return "256"
}
