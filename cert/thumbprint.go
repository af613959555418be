package cert

import (
	"crypto/sha1"
	"sync"

	"github.com/zavera/zavera/gost/streebog"
)

// thumbprints keeps a parsed certificate's thumbprints once computed:
// reports and servers ask for them on every signature, and the CA
// certificates they name are the same each time. Parse allocates it; a
// Certificate built otherwise computes its thumbprints at each call.
type thumbprints struct {
	sha1Once, gostOnce sync.Once
	sha1               [20]byte
	gost               [32]byte
}

// ThumbprintSHA1 returns the SHA-1 of the certificate's DER, the
// thumbprint Windows shows and CryptoPro uses to find certificates.
func (c *Certificate) ThumbprintSHA1() [20]byte {
	if c.thumbs == nil {
		return sha1.Sum(c.Raw)
	}
	c.thumbs.sha1Once.Do(func() { c.thumbs.sha1 = sha1.Sum(c.Raw) })
	return c.thumbs.sha1
}

// ThumbprintStreebog returns the Streebog-256 of the certificate's DER, the
// certHash of a CAdES signingCertificateV2 made with Streebog-256.
func (c *Certificate) ThumbprintStreebog() [32]byte {
	if c.thumbs == nil {
		return streebog.Sum256(c.Raw)
	}
	c.thumbs.gostOnce.Do(func() { c.thumbs.gost = streebog.Sum256(c.Raw) })
	return c.thumbs.gost
}
