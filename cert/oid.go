package cert

import "encoding/asn1"

// Object identifiers this package knows. Sources: RFC 5280 (X.509), RFC
// 9215 and RFC 7836 (GOST 2012), RFC 4357 (CryptoPro), the order of the
// FSB of Russia No. 795 of 27.12.2011 (attributes of qualified
// certificates).
var (
	// Attribute types of names.
	oidCommonName         = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSurname            = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidSerialNumber       = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidCountry            = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidLocality           = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidProvince           = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidStreet             = asn1.ObjectIdentifier{2, 5, 4, 9}
	oidOrganization       = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrganizationalUnit = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidTitle              = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidGivenName          = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidEmailAddress       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidINN                = asn1.ObjectIdentifier{1, 2, 643, 3, 131, 1, 1}
	oidINNLE              = asn1.ObjectIdentifier{1, 2, 643, 100, 4}
	oidOGRN               = asn1.ObjectIdentifier{1, 2, 643, 100, 1}
	oidOGRNIP             = asn1.ObjectIdentifier{1, 2, 643, 100, 5}
	oidSNILS              = asn1.ObjectIdentifier{1, 2, 643, 100, 3}

	// Extensions.
	oidExtSubjectKeyID      = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtKeyUsage          = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtPrivateKeyPeriod  = asn1.ObjectIdentifier{2, 5, 29, 16}
	oidExtSubjectAltName    = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtBasicConstraints  = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtCRLDistribution   = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidExtPolicies          = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidExtAuthorityKeyID    = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtExtKeyUsage       = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtAuthorityInfo     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	oidExtSubjectSignTool   = asn1.ObjectIdentifier{1, 2, 643, 100, 111}
	oidExtIssuerSignTool    = asn1.ObjectIdentifier{1, 2, 643, 100, 112}
	oidExtIdentificationKnd = asn1.ObjectIdentifier{1, 2, 643, 100, 114}

	// Qualified certificate policy classes KC1..KC3 share this prefix.
	oidPolicyKCPrefix = asn1.ObjectIdentifier{1, 2, 643, 100, 113}

	// Public key algorithms.
	oidKeyGOST2012_256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
	oidKeyGOST2012_512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}
	oidKeyGOST2001     = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 19}
	oidKeyECDSA        = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidKeyRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

	// Signature algorithms.
	oidSigGOST2012_256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2}
	oidSigGOST2012_512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 3}
	oidSigGOST2001     = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 3}
	oidSigECDSASHA256  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSigECDSASHA384  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidSigECDSASHA512  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidSigRSASHA256    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSigRSASHA384    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSigRSASHA512    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
)

// Exported identifiers that callers commonly compare against.
var (
	// OIDPolicyKC1, OIDPolicyKC2 and OIDPolicyKC3 are the certificate
	// policies naming the class of the signing tool of a qualified
	// certificate.
	OIDPolicyKC1 = asn1.ObjectIdentifier{1, 2, 643, 100, 113, 1}
	OIDPolicyKC2 = asn1.ObjectIdentifier{1, 2, 643, 100, 113, 2}
	OIDPolicyKC3 = asn1.ObjectIdentifier{1, 2, 643, 100, 113, 3}
)

// hasPrefix reports whether oid starts with prefix and is longer.
func hasPrefix(oid, prefix asn1.ObjectIdentifier) bool {
	if len(oid) <= len(prefix) {
		return false
	}
	for i := range prefix {
		if oid[i] != prefix[i] {
			return false
		}
	}
	return true
}
