package cms

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/cert"
)

// signedAttributes returns the DER of the CAdES-BES signed attributes,
// without the SET OF header, sorted as DER requires (X.690 section 11.6):
// contentType, signingTime, messageDigest and signingCertificateV2.
// extra holds further encoded attributes to include.
func signedAttributes(digest []byte, d *digestAlgorithm, c *cert.Certificate, at time.Time, extra [][]byte) ([]byte, error) {
	list := slices.Clone(extra)
	add := func(oid []int, value func(b *cryptobyte.Builder)) error {
		b := cryptobyte.NewBuilder(make([]byte, 0, 64+len(c.RawIssuer)))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SET, value)
		})
		der, err := b.Bytes()
		if err != nil {
			return fmt.Errorf("cms: encoding attribute %v: %w", oid, err)
		}
		list = append(list, der)
		return nil
	}
	if err := add(oidAttrContentType, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidData)
	}); err != nil {
		return nil, err
	}
	// RFC 5652 section 11.3: UTCTime for 1950..2049, GeneralizedTime
	// otherwise; both in UTC with seconds.
	at = at.UTC().Truncate(time.Second)
	if err := add(oidAttrSigningTime, func(b *cryptobyte.Builder) {
		if at.Year() >= 1950 && at.Year() < 2050 {
			b.AddASN1UTCTime(at)
		} else {
			b.AddASN1GeneralizedTime(at)
		}
	}); err != nil {
		return nil, err
	}
	if err := add(oidAttrMessageDigest, func(b *cryptobyte.Builder) {
		b.AddASN1OctetString(digest)
	}); err != nil {
		return nil, err
	}
	// RFC 5035 section 5.4.1 (ESSCertIDv2): the hash algorithm defaults to
	// SHA-256 and is then omitted; any other, Streebog included, is
	// written explicitly.
	h := d.new()
	h.Write(c.Raw)
	certHash := h.Sum(nil)
	if err := add(oidAttrSigningCertV2, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
					if d != digestSHA256 {
						addAlgorithm(b, AlgorithmIdentifier{Algorithm: d.oid})
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
	}); err != nil {
		return nil, err
	}
	slices.SortFunc(list, bytes.Compare)
	return bytes.Join(list, nil), nil
}
