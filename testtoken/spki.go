package testtoken

import (
	"encoding/pem"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// ErrKeyEncoding reports PKCS#11 key attributes that do not describe a GOST
// R 34.10-2012 public key.
var ErrKeyEncoding = errors.New("testtoken: not a GOST 2012 public key")

// Object identifiers of GOST R 34.10-2012 keys and Streebog (RFC 9215).
var (
	oidKey256       = []byte{0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01}
	oidKey512       = []byte{0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x02}
	oidStreebog512  = []byte{0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x02, 0x03}
	oidTC26Sets256  = []byte{0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x01}
	oidTC26Sets512  = []byte{0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x01, 0x02}
	oidCryptoProSig = []byte{0x2a, 0x85, 0x03, 0x02, 0x02}
)

// SubjectPublicKeyInfo builds the DER SubjectPublicKeyInfo of a GOST R
// 34.10-2012 public key from its PKCS#11 attributes: params is
// CKA_GOSTR3410_PARAMS (a DER OBJECT IDENTIFIER) and value is CKA_VALUE,
// LE(X)||LE(Y) in 64 or 128 bytes. The key size follows from value; the
// digestParamSet is written for 512-bit keys and the CryptoPro sets, as
// RFC 9215 section 2.2 asks.
func SubjectPublicKeyInfo(params, value []byte) ([]byte, error) {
	in := cryptobyte.String(params)
	var oid cryptobyte.String
	if !in.ReadASN1(&oid, asn1.OBJECT_IDENTIFIER) || !in.Empty() || len(oid) == 0 {
		return nil, fmt.Errorf("%w: CKA_GOSTR3410_PARAMS is not one OBJECT IDENTIFIER", ErrKeyEncoding)
	}
	var keyOID []byte
	digest := false
	switch len(value) {
	case 64:
		keyOID = oidKey256
		digest = hasPrefix(oid, oidCryptoProSig)
		if !digest && !hasPrefix(oid, oidTC26Sets256) {
			return nil, fmt.Errorf("%w: parameter set %x is not a 256-bit set", ErrKeyEncoding, []byte(oid))
		}
	case 128:
		keyOID = oidKey512
		digest = true
		if !hasPrefix(oid, oidTC26Sets512) {
			return nil, fmt.Errorf("%w: parameter set %x is not a 512-bit set", ErrKeyEncoding, []byte(oid))
		}
	default:
		return nil, fmt.Errorf("%w: CKA_VALUE of %d bytes", ErrKeyEncoding, len(value))
	}
	digestOID := oidStreebog512
	if len(value) == 64 {
		digestOID = append(append([]byte(nil), oidStreebog512[:len(oidStreebog512)-1]...), 0x02)
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(keyOID) })
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(oid) })
				if digest {
					b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(digestOID) })
				}
			})
		})
		b.AddASN1(asn1.BIT_STRING, func(b *cryptobyte.Builder) {
			b.AddUint8(0) // no unused bits
			b.AddASN1(asn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddBytes(value) })
		})
	})
	return b.Bytes()
}

// PublicKeyPEM is SubjectPublicKeyInfo as a PEM "PUBLIC KEY" block, the
// form `openssl pkeyutl -pubin` and `openssl x509 -force_pubkey` read.
func PublicKeyPEM(params, value []byte) ([]byte, error) {
	der, err := SubjectPublicKeyInfo(params, value)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

func hasPrefix(b, prefix []byte) bool {
	return len(b) > len(prefix) && string(b[:len(prefix)]) == string(prefix)
}
