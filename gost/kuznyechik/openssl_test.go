package kuznyechik

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// TestOpenSSLECB encrypts random blocks with each implementation and
// decrypts them with OpenSSL's kuznyechik-ecb, and the other way round.
func TestOpenSSLECB(t *testing.T) {
	osslref.Require(t)
	for _, c := range constructors {
		t.Run(c.name, func(t *testing.T) {
			for i := 0; i < 3; i++ {
				key := make([]byte, KeySize)
				rand.Read(key)
				pt := make([]byte, BlockSize*(1+mrand.IntN(20)))
				rand.Read(pt)
				b, err := c.fn(key)
				if err != nil {
					t.Fatal(err)
				}
				ours := make([]byte, len(pt))
				for j := 0; j < len(pt); j += BlockSize {
					b.Encrypt(ours[j:], pt[j:])
				}
				args := []string{"enc", "-kuznyechik-ecb", "-nopad", "-K", hex.EncodeToString(key)}
				back := osslref.Run(t, ours, append(args, "-d")...)
				if !bytes.Equal(back, pt) {
					t.Fatalf("OpenSSL decrypts our ciphertext to %x, want %x", back, pt)
				}
				theirs := osslref.Run(t, pt, append(args, "-e")...)
				if !bytes.Equal(theirs, ours) {
					t.Fatalf("OpenSSL encrypts to %x, we to %x", theirs, ours)
				}
				dec := make([]byte, len(theirs))
				for j := 0; j < len(theirs); j += BlockSize {
					b.Decrypt(dec[j:], theirs[j:])
				}
				if !bytes.Equal(dec, pt) {
					t.Fatalf("we decrypt OpenSSL's ciphertext to %x, want %x", dec, pt)
				}
			}
		})
	}
}
