package gost

import (
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// PKCS#8 for GOST keys, as OpenSSL's GOST engine reads and writes it:
//
//	PrivateKeyInfo ::= SEQUENCE {
//	    version             INTEGER (0),
//	    privateKeyAlgorithm AlgorithmIdentifier (as in SubjectPublicKeyInfo),
//	    privateKey          OCTET STRING,
//	    attributes          [0] IMPLICIT Attributes OPTIONAL
//	}
//
// The content of privateKey takes one of these forms (the engine's
// internal_priv_decode):
//   - LE(d), Size bytes: what the engine writes by default;
//   - LE(d') followed by masks m1..mn, Size bytes each: d = d'·m1·…·mn mod q;
//   - a DER OCTET STRING of LE(d) (the engine's "wrapped" format);
//   - a DER INTEGER d (big-endian, older software);
//   - SEQUENCE { OCTET STRING masked key and masks, OCTET STRING public key
//     OPTIONAL } (CryptoPro's masked form).

// MarshalPKCS8PrivateKey returns the DER PrivateKeyInfo of k with the
// scalar as Size little-endian bytes, the form the GOST engine writes.
func MarshalPKCS8PrivateKey(k *PrivateKey) ([]byte, error) {
	if k == nil || k.pub == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidPrivateKey)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		addAlgorithm(b, k.pub.curve)
		b.AddASN1OctetString(k.d)
	})
	return b.Bytes()
}

// ParsePKCS8PrivateKey parses a DER PrivateKeyInfo holding a GOST
// R 34.10-2012 (or 2001) private key in any form the GOST engine reads.
func ParsePKCS8PrivateKey(der []byte) (*PrivateKey, error) {
	in := cryptobyte.String(der)
	var info, alg, params, priv cryptobyte.String
	var version int64
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&info, cbasn1.SEQUENCE) || !in.Empty() ||
		!info.ReadASN1Integer(&version) ||
		!info.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&oid) ||
		!alg.ReadASN1Element(&params, cbasn1.SEQUENCE) || !alg.Empty() ||
		!info.ReadASN1(&priv, cbasn1.OCTET_STRING) {
		return nil, fmt.Errorf("%w: not a GOST PKCS#8 PrivateKeyInfo", ErrMalformedKey)
	}
	if version != 0 && version != 1 {
		return nil, fmt.Errorf("%w: PKCS#8 version %d", ErrMalformedKey, version)
	}
	// Optional attributes [0] and, in version 1, publicKey [1].
	for _, tag := range []cbasn1.Tag{cbasn1.Tag(0).Constructed().ContextSpecific(), cbasn1.Tag(1).ContextSpecific()} {
		if !info.SkipOptionalASN1(tag) {
			return nil, fmt.Errorf("%w: bad optional PKCS#8 field", ErrMalformedKey)
		}
	}
	if !info.Empty() {
		return nil, fmt.Errorf("%w: trailing data in PrivateKeyInfo", ErrMalformedKey)
	}
	c, err := curveFromAlgorithm(oid, params)
	if err != nil {
		return nil, err
	}
	d, err := privateScalar(c, priv)
	if err != nil {
		return nil, err
	}
	return NewPrivateKey(c, d)
}

// privateScalar decodes the content of the privateKey OCTET STRING into
// LE(d).
func privateScalar(c *Curve, p []byte) ([]byte, error) {
	n := c.Size()
	switch {
	case len(p) > 0 && len(p)%n == 0:
		return unmask(c, p)
	case len(p) > 0 && p[0] == byte(cbasn1.OCTET_STRING):
		in := cryptobyte.String(p)
		var v cryptobyte.String
		if !in.ReadASN1(&v, cbasn1.OCTET_STRING) || !in.Empty() || len(v) != n {
			return nil, fmt.Errorf("%w: wrapped private key is not one %d-byte OCTET STRING", ErrMalformedKey, n)
		}
		return append([]byte(nil), v...), nil
	case len(p) > 0 && p[0] == byte(cbasn1.INTEGER):
		in := cryptobyte.String(p)
		var v cryptobyte.String
		if !in.ReadASN1(&v, cbasn1.INTEGER) || !in.Empty() || len(v) == 0 || v[0]&0x80 != 0 {
			return nil, fmt.Errorf("%w: private key INTEGER is malformed or negative", ErrMalformedKey)
		}
		for len(v) > 1 && v[0] == 0 {
			v = v[1:]
		}
		if len(v) > n {
			return nil, fmt.Errorf("%w: private key INTEGER longer than %d bytes", ErrInvalidPrivateKey, n)
		}
		d := make([]byte, n)
		for i := range v {
			d[i] = v[len(v)-1-i]
		}
		return d, nil
	case len(p) > 0 && p[0] == byte(cbasn1.SEQUENCE):
		in := cryptobyte.String(p)
		var seq, masked cryptobyte.String
		if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() ||
			!seq.ReadASN1(&masked, cbasn1.OCTET_STRING) ||
			!seq.SkipOptionalASN1(cbasn1.OCTET_STRING) || !seq.Empty() ||
			len(masked) == 0 || len(masked)%n != 0 {
			return nil, fmt.Errorf("%w: masked private key is malformed", ErrMalformedKey)
		}
		return unmask(c, masked)
	}
	return nil, fmt.Errorf("%w: unknown private key form", ErrMalformedKey)
}

// unmask returns d'·m1·…·mn mod q for p = LE(d') || LE(m1) || … || LE(mn).
func unmask(c *Curve, p []byte) ([]byte, error) {
	n := c.Size()
	if len(p)/n > 16 {
		return nil, fmt.Errorf("%w: %d private key masks", ErrMalformedKey, len(p)/n-1)
	}
	d := append([]byte(nil), p[:n]...)
	for off := n; off < len(p); off += n {
		d = c.arith().mulScalars(d, p[off:off+n])
	}
	return d, nil
}
