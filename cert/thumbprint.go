package cert

import "crypto/sha1"

// ThumbprintSHA1 returns the SHA-1 of the certificate's DER, the
// thumbprint Windows shows and CryptoPro uses to find certificates.
func (c *Certificate) ThumbprintSHA1() [20]byte {
	return sha1.Sum(c.Raw)
}
