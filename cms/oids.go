package cms

import (
	"crypto/x509"
	"encoding/asn1"
)

// Object identifiers used by CMS (RFC 5652), ESS/CAdES (RFC 5035, RFC 5126),
// GOST in CMS (RFC 4490, RFC 9215) and the usual SHA-2 based algorithms.
var (
	oidData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

	oidAttrContentType         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSigningCertificate  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidAttrSigningCertV2       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidAttrAlgorithmProtection = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 52}

	// GOST R 34.11-2012 (Streebog) and GOST R 34.10-2012 keys and
	// signature algorithms.
	oidStreebog256      = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	oidStreebog512      = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}
	oidGOST256Key       = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
	oidGOST512Key       = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}
	oidGOST256Signature = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2}
	oidGOST512Signature = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 3}

	// GOST R 34.11-94 and GOST R 34.10-2001: withdrawn for new
	// signatures, verified for old ones.
	oidGOST94Digest      = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 9}
	oidGOST2001Key       = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 19}
	oidGOST2001Signature = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 3}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}

	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}

	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidSHA224WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	oidRSASSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
)

// oidDataOID is id-data as the type of SignedData.ContentType and
// Options.ContentType, which hold OIDs of any size.
var oidDataOID = mustOID(oidData)

func mustOID(o asn1.ObjectIdentifier) x509.OID {
	oid, err := x509.OIDFromASN1OID(o)
	if err != nil {
		panic(err)
	}
	return oid
}
