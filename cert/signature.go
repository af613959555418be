package cert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"fmt"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/gostr341194"
	"github.com/zavera/zavera/gost/streebog"
)

// CheckSignatureFrom checks that issuer's public key verifies c's
// signature. It does not check that issuer is a CA or that the names chain;
// VerifyChain does. Errors wrap ErrBadSignature (the signature does not
// verify, or the issuer's key does not fit the algorithm) or
// ErrUnsupportedAlgorithm (SHA-1, RSA-PSS, unknown algorithms, or an
// issuer key this package cannot use). GOST R 34.10-2001 signatures with
// GOST R 34.11-94 (CryptoPro parameters) are checked: the algorithm is
// withdrawn for new signatures but old CA certificates carry it.
func (c *Certificate) CheckSignatureFrom(issuer *Certificate) error {
	if issuer == nil {
		return fmt.Errorf("%w: no issuer", ErrUnknownAuthority)
	}
	return checkSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature, issuer)
}

// checkSignature verifies sig over signed with issuer's key under the
// signature algorithm alg.
func checkSignature(alg asn1.ObjectIdentifier, signed, sig []byte, issuer *Certificate) error {
	if issuer.PublicKey == nil {
		if issuer.keyErr != nil {
			return fmt.Errorf("issuer key: %w", issuer.keyErr)
		}
		return fmt.Errorf("%w: issuer key", ErrUnsupportedAlgorithm)
	}
	switch {
	case alg.Equal(oidSigGOST2012_256), alg.Equal(oidSigGOST2012_512):
		pub, ok := issuer.PublicKey.(*gost.PublicKey)
		if !ok {
			return fmt.Errorf("%w: GOST signature, issuer key is %s", ErrBadSignature, issuer.KeyString())
		}
		var digest []byte
		if alg.Equal(oidSigGOST2012_256) {
			if issuer.KeyAlgorithm != KeyGOST2012_256 {
				return fmt.Errorf("%w: GOST 2012-256 signature, issuer key is %s", ErrBadSignature, issuer.KeyString())
			}
			d := streebog.Sum256(signed)
			digest = d[:]
		} else {
			if issuer.KeyAlgorithm != KeyGOST2012_512 {
				return fmt.Errorf("%w: GOST 2012-512 signature, issuer key is %s", ErrBadSignature, issuer.KeyString())
			}
			d := streebog.Sum512(signed)
			digest = d[:]
		}
		if err := pub.Verify(digest, sig); err != nil {
			return fmt.Errorf("%w: %v", ErrBadSignature, err)
		}
		return nil
	case alg.Equal(oidSigGOST2001):
		// Withdrawn for new signatures, still needed to check the CA
		// certificates and old signatures that archives hold.
		pub, ok := issuer.PublicKey.(*gost.PublicKey)
		if !ok || issuer.KeyAlgorithm != KeyGOST2001 {
			return fmt.Errorf("%w: GOST R 34.10-2001 signature, issuer key is %s", ErrBadSignature, issuer.KeyString())
		}
		d := gostr341194.SumCryptoPro(signed)
		if err := pub.Verify(d[:], sig); err != nil {
			return fmt.Errorf("%w: %v", ErrBadSignature, err)
		}
		return nil
	case alg.Equal(oidSigECDSASHA256), alg.Equal(oidSigECDSASHA384), alg.Equal(oidSigECDSASHA512):
		pub, ok := issuer.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: ECDSA signature, issuer key is %s", ErrBadSignature, issuer.KeyString())
		}
		if !ecdsa.VerifyASN1(pub, sha2(alg, signed), sig) {
			return fmt.Errorf("%w: ECDSA signature does not verify", ErrBadSignature)
		}
		return nil
	case alg.Equal(oidSigRSASHA256), alg.Equal(oidSigRSASHA384), alg.Equal(oidSigRSASHA512):
		pub, ok := issuer.PublicKey.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: RSA signature, issuer key is %s", ErrBadSignature, issuer.KeyString())
		}
		if err := rsa.VerifyPKCS1v15(pub, sha2Hash(alg), sha2(alg, signed), sig); err != nil {
			return fmt.Errorf("%w: %v", ErrBadSignature, err)
		}
		return nil
	}
	return fmt.Errorf("%w: signature algorithm %s", ErrUnsupportedAlgorithm, alg)
}

func sha2Hash(alg asn1.ObjectIdentifier) crypto.Hash {
	switch {
	case alg.Equal(oidSigECDSASHA384), alg.Equal(oidSigRSASHA384):
		return crypto.SHA384
	case alg.Equal(oidSigECDSASHA512), alg.Equal(oidSigRSASHA512):
		return crypto.SHA512
	}
	return crypto.SHA256
}

func sha2(alg asn1.ObjectIdentifier, data []byte) []byte {
	switch sha2Hash(alg) {
	case crypto.SHA384:
		d := sha512.Sum384(data)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(data)
		return d[:]
	}
	d := sha256.Sum256(data)
	return d[:]
}

// CheckSignature checks a signature by issuer's key over signed data under
// the signature algorithm alg, as certificates, CRLs and OCSP responses
// carry them (the BIT STRING's bytes). Errors are those of
// CheckSignatureFrom.
func CheckSignature(alg asn1.ObjectIdentifier, signed, sig []byte, issuer *Certificate) error {
	if issuer == nil {
		return fmt.Errorf("%w: no issuer", ErrUnknownAuthority)
	}
	return checkSignature(alg, signed, sig, issuer)
}
