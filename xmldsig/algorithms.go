package xmldsig

import (
	"fmt"
	"hash"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/streebog"
)

// Namespace is the XMLDSig namespace.
const Namespace = "http://www.w3.org/2000/09/xmldsig#"

// Algorithm identifiers: CryptoPro's for GOST R 34.10-2012 and
// GOST R 34.11-2012 (the ones SMEV and CryptoPro's SignedXML use), and the
// enveloped-signature transform.
const (
	SignatureGOST2012_256 = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256"
	SignatureGOST2012_512 = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-512"
	DigestGOST2012_256    = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256"
	DigestGOST2012_512    = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-512"
	EnvelopedSignature    = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
)

// digestFor returns the hash a DigestMethod names and its short name.
func digestFor(uri string) (func() hash.Hash, string, error) {
	switch uri {
	case DigestGOST2012_256:
		return streebog.New256, "Streebog-256", nil
	case DigestGOST2012_512:
		return streebog.New512, "Streebog-512", nil
	}
	return nil, "", fmt.Errorf("%w: digest method %q", ErrUnsupported, uri)
}

// signatureSize is the key size in bytes a SignatureMethod needs.
func signatureSize(uri string) (int, error) {
	switch uri {
	case SignatureGOST2012_256:
		return 32, nil
	case SignatureGOST2012_512:
		return 64, nil
	}
	return 0, fmt.Errorf("%w: signature method %q", ErrUnsupported, uri)
}

// methodsForKey returns the signature and digest methods of a GOST key.
func methodsForKey(pub *gost.PublicKey) (sig, digest string) {
	if pub.Curve().Size() == 64 {
		return SignatureGOST2012_512, DigestGOST2012_512
	}
	return SignatureGOST2012_256, DigestGOST2012_256
}

// signedInfoHash is the hash over the canonical SignedInfo for a key of
// size bytes: the Streebog of the key's size.
func signedInfoHash(size int) func() hash.Hash {
	if size == 64 {
		return streebog.New512
	}
	return streebog.New256
}
