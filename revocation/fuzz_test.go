package revocation

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds CRLs and OCSP responses from the network or from a
// signature: parsing must fail with an error, never panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x03, 0x0a, 0x01, 0x00})
	// A CAdES-X Long Type 1 signature made elsewhere, which carries an OCSP
	// response among its revocation values.
	if b, err := os.ReadFile(filepath.Join("..", "..", "shared", "realworld", "cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		ParseCRL(der)
		ParseOCSPResponse(der)
		ParseBasicOCSPResponse(der)
	})
}
