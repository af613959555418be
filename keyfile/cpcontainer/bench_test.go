package cpcontainer

import (
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/gost"
)

// BenchmarkOpen opens a container with a password (the 2000-round KDF,
// decryption, unmasking and the fingerprint check) and one without.
func BenchmarkOpen(b *testing.B) {
	curve, _ := gost.CurveByName("id-tc26-gost-3410-12-256-paramSetA")
	key, err := gost.GenerateKey(curve, nil)
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(b.TempDir(), "bench.000")
	if err := Create(dir, key, CreateOptions{Password: "12345678"}); err != nil {
		b.Fatal(err)
	}
	b.Run("password", func(b *testing.B) {
		for b.Loop() {
			c, err := Open(dir, "12345678")
			if err != nil {
				b.Fatal(err)
			}
			c.Wipe()
		}
	})
	b.Run("empty password", func(b *testing.B) {
		for b.Loop() {
			c, err := Open(vectorDir, "")
			if err != nil {
				b.Fatal(err)
			}
			c.Wipe()
		}
	})
	b.Run("inspect", func(b *testing.B) {
		for b.Loop() {
			if _, err := Inspect(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
}
