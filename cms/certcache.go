package cms

import (
	"bytes"
	"fmt"
	"math/big"
	"sync"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/cert"
)

// The parts of a SignerInfo that depend only on the signer's certificate
// (and the digest algorithm) are the same in every signature it makes:
// the issuerAndSerialNumber and the signingCertificateV2 attribute, whose
// hash of the certificate is the costliest of them. They are kept in a
// small cache keyed by the certificate's DER, so that a caller that
// makes a new Signer for every signature with the same certificate
// still computes them once.

const (
	// certCacheEntries bounds the number of cached certificates: a
	// signer rarely uses more than a few at a time.
	certCacheEntries = 32
	// certCacheMaxRaw is the largest certificate cached; larger ones
	// are encoded each time. Together with certCacheEntries it bounds
	// the memory the cache holds.
	certCacheMaxRaw = 16 << 10
)

type certCacheKey struct {
	raw    string
	digest *digestAlgorithm
}

// certParts are the encoded parts of a SignerInfo that depend only on the
// certificate. They are never modified once made.
type certParts struct {
	// rawIssuer and serial are those of the certificate the parts were
	// made from: a certificate with the same DER but other fields set by
	// hand gets parts of its own.
	rawIssuer []byte
	serial    *big.Int
	// sid is the DER of the IssuerAndSerialNumber.
	sid []byte
	// signingCertV2 is the DER of the signingCertificateV2 attribute.
	signingCertV2 []byte
}

var certCache struct {
	sync.RWMutex
	m map[certCacheKey]*certParts
}

func (p *certParts) matches(c *cert.Certificate) bool {
	return bytes.Equal(p.rawIssuer, c.RawIssuer) && p.serial.Cmp(c.SerialNumber) == 0
}

// partsFor returns the certificate's parts for signatures with digest d.
func partsFor(c *cert.Certificate, d *digestAlgorithm) (*certParts, error) {
	if c.SerialNumber == nil {
		return nil, fmt.Errorf("%w: the certificate has no serial number", ErrInvalidArgument)
	}
	if len(c.Raw) > certCacheMaxRaw {
		return makeCertParts(c, d)
	}
	certCache.RLock()
	p := certCache.m[certCacheKey{string(c.Raw), d}]
	certCache.RUnlock()
	if p != nil && p.matches(c) {
		return p, nil
	}
	p, err := makeCertParts(c, d)
	if err != nil {
		return nil, err
	}
	key := certCacheKey{string(c.Raw), d}
	certCache.Lock()
	if certCache.m == nil {
		certCache.m = make(map[certCacheKey]*certParts, certCacheEntries)
	}
	if _, ok := certCache.m[key]; !ok && len(certCache.m) >= certCacheEntries {
		// Make room by dropping an arbitrary entry (map iteration
		// starts anywhere).
		for k := range certCache.m {
			delete(certCache.m, k)
			break
		}
	}
	certCache.m[key] = p
	certCache.Unlock()
	return p, nil
}

// makeCertParts encodes a certificate's parts.
func makeCertParts(c *cert.Certificate, d *digestAlgorithm) (*certParts, error) {
	p := &certParts{
		rawIssuer: bytes.Clone(c.RawIssuer),
		serial:    new(big.Int).Set(c.SerialNumber),
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, len(c.RawIssuer)+32))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(c.RawIssuer)
		b.AddASN1BigInt(c.SerialNumber)
	})
	var err error
	if p.sid, err = b.Bytes(); err != nil {
		return nil, fmt.Errorf("cms: encoding issuerAndSerialNumber: %w", err)
	}
	// RFC 5035 section 5.4.1 (ESSCertIDv2): the hash algorithm defaults to
	// SHA-256 and is then omitted; any other, Streebog included, is
	// written explicitly.
	certHash := d.sum(c.Raw)
	b = cryptobyte.NewBuilder(make([]byte, 0, 2*len(c.RawIssuer)+128))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // Attribute
		b.AddASN1ObjectIdentifier(oidAttrSigningCertV2)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
						if d != digestSHA256 {
							b.AddBytes(d.der)
						}
						b.AddASN1OctetString(certHash)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
								b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
									b.AddBytes(c.RawIssuer)
								})
							})
							b.AddASN1BigInt(c.SerialNumber)
						})
					})
				})
			})
		})
	})
	if p.signingCertV2, err = b.Bytes(); err != nil {
		return nil, fmt.Errorf("cms: encoding attribute %v: %w", oidAttrSigningCertV2, err)
	}
	return p, nil
}
