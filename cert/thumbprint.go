package cert

import (
	"crypto/sha1"

	"github.com/zavera/zavera/gost/streebog"
)

// ThumbprintSHA1 returns the SHA-1 of the certificate's DER, the
// thumbprint Windows shows and CryptoPro uses to find certificates.
func (c *Certificate) ThumbprintSHA1() [20]byte {
	return sha1.Sum(c.Raw)
}

// ThumbprintStreebog returns the Streebog-256 of the certificate's DER, the
// certHash of a CAdES signingCertificateV2 made with Streebog-256.
func (c *Certificate) ThumbprintStreebog() [32]byte {
	return streebog.Sum256(c.Raw)
}
