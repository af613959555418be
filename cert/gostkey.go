package cert

import (
	"crypto"
	"encoding/asn1"
	"fmt"

	"github.com/zavera/zavera/gost"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// parseGOSTKey decodes a GOST public key (RFC 9215 section 4.1): the BIT
// STRING holds the DER of an OCTET STRING of LE(X) || LE(Y), 64 bytes for
// 256-bit keys and 128 for 512-bit ones, on the curve named by the
// publicKeyParamSet in the algorithm parameters.
//
// GOST R 34.10-2001 keys use the same curves and encoding and are decoded
// the same way; their signatures are made over GOST R 34.11-94.
func parseGOSTKey(algOID, paramSet asn1.ObjectIdentifier, bitString []byte) (crypto.PublicKey, error) {
	in := cryptobyte.String(bitString)
	var raw []byte
	if !in.ReadASN1Bytes(&raw, cbasn1.OCTET_STRING) || !in.Empty() {
		return nil, fmt.Errorf("%w: GOST public key is not an OCTET STRING", ErrMalformed)
	}
	curve, err := gost.CurveByOID(paramSet)
	if err != nil {
		return nil, fmt.Errorf("%w: parameter set %s: %v", ErrUnsupportedAlgorithm, paramSet, err)
	}
	want := 32
	if algOID.Equal(oidKeyGOST2012_512) {
		want = 64
	}
	if curve.Size() != want {
		return nil, fmt.Errorf("%w: %d-bit parameter set %s for a %s key", ErrMalformed, curve.Size()*8, paramSet, algOID)
	}
	pub, err := gost.NewPublicKey(curve, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return pub, nil
}
