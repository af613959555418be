package cert

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// KeyAlgorithm is the algorithm of a certificate's subject public key.
type KeyAlgorithm int

// Key algorithms.
const (
	KeyUnknown KeyAlgorithm = iota
	KeyGOST2012_256
	KeyGOST2012_512
	KeyGOST2001
	KeyECDSA
	KeyRSA
)

// String names the algorithm without its size; Certificate.KeyString adds
// the size or curve.
func (a KeyAlgorithm) String() string {
	switch a {
	case KeyGOST2012_256:
		return "GOST R 34.10-2012 256"
	case KeyGOST2012_512:
		return "GOST R 34.10-2012 512"
	case KeyGOST2001:
		return "GOST R 34.10-2001"
	case KeyECDSA:
		return "ECDSA"
	case KeyRSA:
		return "RSA"
	}
	return "unknown"
}

// IsGOST reports whether a is one of the GOST R 34.10 algorithms.
func (a KeyAlgorithm) IsGOST() bool {
	return a == KeyGOST2012_256 || a == KeyGOST2012_512 || a == KeyGOST2001
}

// KeyString describes the key as users read it: "GOST R 34.10-2012 256",
// "ECDSA P-256", "RSA 2048".
func (c *Certificate) KeyString() string {
	switch c.KeyAlgorithm {
	case KeyECDSA:
		if k, ok := c.PublicKey.(*ecdsa.PublicKey); ok {
			return "ECDSA " + k.Curve.Params().Name
		}
	case KeyRSA:
		if c.KeyBits > 0 {
			return fmt.Sprintf("RSA %d", c.KeyBits)
		}
	}
	return c.KeyAlgorithm.String()
}

// paramSetNames names the GOST public key parameter sets (RFC 7836, RFC
// 4357).
var paramSetNames = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 1}, "id-tc26-gost-3410-12-256-paramSetA"},
	{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 2}, "id-tc26-gost-3410-12-256-paramSetB"},
	{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 3}, "id-tc26-gost-3410-12-256-paramSetC"},
	{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 4}, "id-tc26-gost-3410-12-256-paramSetD"},
	{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 0}, "id-tc26-gost-3410-12-512-paramSetTest"},
	{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 1}, "id-tc26-gost-3410-12-512-paramSetA"},
	{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 2}, "id-tc26-gost-3410-12-512-paramSetB"},
	{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 3}, "id-tc26-gost-3410-12-512-paramSetC"},
	{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 0}, "id-GostR3410-2001-TestParamSet"},
	{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 1}, "id-GostR3410-2001-CryptoPro-A-ParamSet"},
	{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 2}, "id-GostR3410-2001-CryptoPro-B-ParamSet"},
	{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 3}, "id-GostR3410-2001-CryptoPro-C-ParamSet"},
	{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 0}, "id-GostR3410-2001-CryptoPro-XchA-ParamSet"},
	{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 1}, "id-GostR3410-2001-CryptoPro-XchB-ParamSet"},
}

// ParamSetName returns the RFC name of a GOST public key parameter set, or
// its dotted form when unknown.
func ParamSetName(oid asn1.ObjectIdentifier) string {
	for _, p := range paramSetNames {
		if p.oid.Equal(oid) {
			return p.name
		}
	}
	return oid.String()
}

// parseGOSTParams reads the GOST key parameters (RFC 9215 section 4.1):
//
//	GostR3410-2012-PublicKeyParameters ::= SEQUENCE {
//	    publicKeyParamSet OBJECT IDENTIFIER,
//	    digestParamSet    OBJECT IDENTIFIER OPTIONAL }
//
// GOST 2001 keys may add an encryptionParamSet OID, which is skipped.
func parseGOSTParams(params []byte) (asn1.ObjectIdentifier, error) {
	in := cryptobyte.String(params)
	var seq cryptobyte.String
	var set asn1.ObjectIdentifier
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() || !readOID(&seq, &set) {
		return nil, fmt.Errorf("%w: GOST key parameters are not SEQUENCE { OID ... }", ErrMalformed)
	}
	for i := 0; !seq.Empty(); i++ {
		var extra asn1.ObjectIdentifier
		if i == 2 || !readOID(&seq, &extra) {
			return nil, fmt.Errorf("%w: bad GOST key parameters", ErrMalformed)
		}
	}
	return set, nil
}

// parseKey fills the key fields of c from its SubjectPublicKeyInfo. It
// fails only on malformed structure; a key it cannot use leaves PublicKey
// nil and records why in c.keyErr.
func (c *Certificate) parseKey(algOID asn1.ObjectIdentifier, params []byte, key asn1.BitString) error {
	switch {
	case algOID.Equal(oidKeyGOST2012_256), algOID.Equal(oidKeyGOST2012_512), algOID.Equal(oidKeyGOST2001):
		switch {
		case algOID.Equal(oidKeyGOST2012_256):
			c.KeyAlgorithm, c.KeyBits = KeyGOST2012_256, 256
		case algOID.Equal(oidKeyGOST2012_512):
			c.KeyAlgorithm, c.KeyBits = KeyGOST2012_512, 512
		default:
			c.KeyAlgorithm, c.KeyBits = KeyGOST2001, 256
		}
		set, err := parseGOSTParams(params)
		if err != nil {
			return err
		}
		c.KeyParamSet = set
		c.KeyParamSetName = ParamSetName(set)
		if key.BitLength%8 != 0 {
			return fmt.Errorf("%w: public key BIT STRING has unused bits", ErrMalformed)
		}
		c.PublicKey, c.keyErr = parseGOSTKey(algOID, set, key.Bytes)
		if c.keyErr != nil {
			c.PublicKey = nil
		}
	case algOID.Equal(oidKeyECDSA), algOID.Equal(oidKeyRSA):
		pub, err := x509.ParsePKIXPublicKey(c.RawSubjectPublicKeyInfo)
		if err != nil {
			c.keyErr = fmt.Errorf("%w: %v", ErrUnsupportedAlgorithm, err)
			if algOID.Equal(oidKeyRSA) {
				c.KeyAlgorithm = KeyRSA
			} else {
				c.KeyAlgorithm = KeyECDSA
			}
			return nil
		}
		switch k := pub.(type) {
		case *ecdsa.PublicKey:
			c.KeyAlgorithm, c.KeyBits, c.PublicKey = KeyECDSA, k.Curve.Params().BitSize, k
		case *rsa.PublicKey:
			c.KeyAlgorithm, c.KeyBits, c.PublicKey = KeyRSA, k.N.BitLen(), k
		}
	default:
		c.keyErr = fmt.Errorf("%w: public key algorithm %s", ErrUnsupportedAlgorithm, algOID)
	}
	return nil
}
