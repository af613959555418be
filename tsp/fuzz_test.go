package tsp

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds time-stamp responses and tokens from anyone: parsing
// must fail with an error, never panic, whatever the bytes.
func FuzzParse(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	// A CAdES-X Long Type 1 signature made elsewhere: a SignedData whose
	// unsigned attributes carry real time-stamp tokens.
	if b, err := os.ReadFile(filepath.Join("..", "..", "shared", "realworld", "cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		ParseResponse(der)
		ParseToken(der)
	})
}
