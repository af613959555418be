package cert

import (
	"crypto"
	"encoding/asn1"
	"fmt"
)

// parseGOSTKey decodes a GOST public key.
func parseGOSTKey(algOID asn1.ObjectIdentifier, params, key []byte) (crypto.PublicKey, error) {
	return nil, fmt.Errorf("%w: GOST public keys (%s)", ErrUnsupportedAlgorithm, algOID)
}
