package gost

import (
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SubjectPublicKeyInfo for GOST keys (RFC 9215, section 4):
//
//	SubjectPublicKeyInfo ::= SEQUENCE {
//	    algorithm        AlgorithmIdentifier { id-tc26-gost3410-12-256 | -512,
//	                         GostR3410-2012-PublicKeyParameters },
//	    subjectPublicKey BIT STRING -- DER of OCTET STRING LE(X) || LE(Y)
//	}
//	GostR3410-2012-PublicKeyParameters ::= SEQUENCE {
//	    publicKeyParamSet OBJECT IDENTIFIER,
//	    digestParamSet    OBJECT IDENTIFIER OPTIONAL
//	}
//
// digestParamSet is written for the parameter sets where OpenSSL's GOST
// engine writes it (the CryptoPro and test sets, TC26 512 A and B) and
// ignored when read.

// MarshalPKIXPublicKey returns the DER SubjectPublicKeyInfo of p.
func MarshalPKIXPublicKey(p *PublicKey) ([]byte, error) {
	if p == nil || p.curve == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidPublicKey)
	}
	c := p.curve
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addAlgorithm(b, c)
		b.AddASN1BitString(octetString(p.raw))
	})
	return b.Bytes()
}

// addAlgorithm writes the AlgorithmIdentifier of a key on c.
func addAlgorithm(b *cryptobyte.Builder, c *Curve) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(c.KeyOID())
		b.AddBytes(keyParameters(c))
	})
}

// keyParameters returns the DER of the key's parameters SEQUENCE.
func keyParameters(c *Curve) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(c.prm.oid)
		if c.prm.withHash {
			b.AddASN1ObjectIdentifier(c.DigestOID())
		}
	})
	out, _ := b.Bytes() // cannot fail: fixed, well-formed content
	return out
}

// octetString returns the DER OCTET STRING holding v.
func octetString(v []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1OctetString(v)
	out, _ := b.Bytes()
	return out
}

// ParsePKIXPublicKey parses a DER SubjectPublicKeyInfo holding a GOST
// R 34.10-2012 key (256 or 512 bits), or a GOST R 34.10-2001 key, which is
// read as a 256-bit key on its CryptoPro curve. Trailing data is an error.
func ParsePKIXPublicKey(der []byte) (*PublicKey, error) {
	in := cryptobyte.String(der)
	var spki, alg, params cryptobyte.String
	var oid asn1.ObjectIdentifier
	var bits asn1.BitString
	if !in.ReadASN1(&spki, cbasn1.SEQUENCE) || !in.Empty() ||
		!spki.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&oid) ||
		!alg.ReadASN1Element(&params, cbasn1.SEQUENCE) || !alg.Empty() ||
		!spki.ReadASN1BitString(&bits) || !spki.Empty() {
		return nil, fmt.Errorf("%w: not a GOST SubjectPublicKeyInfo", ErrMalformedKey)
	}
	if bits.BitLength%8 != 0 {
		return nil, fmt.Errorf("%w: public key BIT STRING has unused bits", ErrMalformedKey)
	}
	return ParsePublicKeyInfo(oid, params, bits.Bytes)
}

// ParsePublicKeyInfo builds a public key from the pieces of a
// SubjectPublicKeyInfo, for certificate parsers that have already split
// it: the algorithm OID, the raw DER of AlgorithmIdentifier.parameters and
// the content of the subjectPublicKey BIT STRING (the DER OCTET STRING of
// LE(X) || LE(Y)).
func ParsePublicKeyInfo(algOID asn1.ObjectIdentifier, params []byte, key []byte) (*PublicKey, error) {
	c, err := curveFromAlgorithm(algOID, params)
	if err != nil {
		return nil, err
	}
	in := cryptobyte.String(key)
	var raw cryptobyte.String
	if !in.ReadASN1(&raw, cbasn1.OCTET_STRING) || !in.Empty() {
		return nil, fmt.Errorf("%w: public key is not one DER OCTET STRING", ErrMalformedKey)
	}
	return NewPublicKey(c, raw)
}

// curveFromAlgorithm resolves a key algorithm OID and its parameters to a
// curve, checking that the curve's size matches the algorithm.
func curveFromAlgorithm(algOID asn1.ObjectIdentifier, params []byte) (*Curve, error) {
	var size int
	switch {
	case algOID.Equal(oidKey256), algOID.Equal(oidKey2001):
		size = 32
	case algOID.Equal(oidKey512):
		size = 64
	default:
		return nil, fmt.Errorf("%w: key algorithm %v is not GOST R 34.10", ErrMalformedKey, algOID)
	}
	in := cryptobyte.String(params)
	var seq cryptobyte.String
	var set asn1.ObjectIdentifier
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1ObjectIdentifier(&set) {
		return nil, fmt.Errorf("%w: key parameters are not a SEQUENCE starting with a parameter set OID", ErrMalformedKey)
	}
	// digestParamSet and, for 2001 keys, encryptionParamSet may follow.
	for !seq.Empty() {
		var other asn1.ObjectIdentifier
		if !seq.ReadASN1ObjectIdentifier(&other) {
			return nil, fmt.Errorf("%w: key parameters hold something other than OIDs", ErrMalformedKey)
		}
	}
	c, err := CurveByOID(set)
	if err != nil {
		return nil, err
	}
	if c.Size() != size {
		return nil, fmt.Errorf("%w: parameter set %s does not fit key algorithm %v", ErrMalformedKey, c.Name(), algOID)
	}
	return c, nil
}
