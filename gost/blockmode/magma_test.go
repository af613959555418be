package blockmode

import (
	"crypto/cipher"
	"testing"

	"github.com/zavera/zavera/gost/magma"
)

// newTestMagma is the product's Magma (GOST R 34.12-2015, S-box of
// id-tc26-gost-28147-param-Z) as a cipher.Block, so that the modes are
// checked with a 64-bit cipher too.
func newTestMagma(key []byte) (cipher.Block, error) {
	return magma.NewMagma(key)
}

// TestTestMagma checks the helper against GOST R 34.12-2015 A.2.
func TestTestMagma(t *testing.T) {
	b, _ := newTestMagma(unhex(t, "ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"))
	out := make([]byte, 8)
	b.Encrypt(out, unhex(t, "fedcba9876543210"))
	if got, want := hexs(out), "4ee901e5c2d8ca3d"; got != want {
		t.Fatalf("encrypt: %s, want %s", got, want)
	}
	b.Decrypt(out, out)
	if got, want := hexs(out), "fedcba9876543210"; got != want {
		t.Fatalf("decrypt: %s, want %s", got, want)
	}
}
