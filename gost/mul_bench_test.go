package gost

import (
	"math/big"
	"testing"
)

func BenchmarkFieldMul(b *testing.B) {
	p256 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(617))
	p512 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 512), big.NewInt(569))
	b.Run("mont256", func(b *testing.B) {
		f := newMod4(p256)
		x, y := fe4{1, 2, 3, 4}, fe4{5, 6, 7, 8}
		for b.Loop() {
			f.mul(&x, &x, &y)
		}
	})
	b.Run("pm256", func(b *testing.B) {
		f := newPM4(p256)
		x, y := fe4{1, 2, 3, 4}, fe4{5, 6, 7, 8}
		for b.Loop() {
			f.mul(&x, &x, &y)
		}
	})
	b.Run("mont512", func(b *testing.B) {
		f := newMod8(p512)
		x, y := fe8{1, 2, 3, 4}, fe8{5, 6, 7, 8}
		for b.Loop() {
			f.mul(&x, &x, &y)
		}
	})
	b.Run("pm512", func(b *testing.B) {
		f := newPM8(p512)
		x, y := fe8{1, 2, 3, 4}, fe8{5, 6, 7, 8}
		for b.Loop() {
			f.mul(&x, &x, &y)
		}
	})
}
