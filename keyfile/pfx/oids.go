package pfx

import "encoding/asn1"

// Object identifiers of PKCS#12 (RFC 7292), PKCS#5 (RFC 8018), PKCS#7 and
// the GOST profiles (R 50.1.112-2016, RFC 9337, RFC 9548).
var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}

	oidKeyBag         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidShroudedKeyBag = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidX509Cert       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}

	oidFriendlyName = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidLocalKeyID   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}

	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}

	// PKCS#12 PBE schemes (RFC 7292, appendix C) and CryptoPro's own one.
	oidPBEWithSHA3DES   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBECryptoProGOST = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 80}

	// PBKDF2 pseudorandom functions.
	oidHMACStreebog256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 4, 1}
	oidHMACStreebog512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 4, 2}
	oidHMACSHA1        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256      = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA512      = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}

	// Ciphers.
	oidGOST28147            = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 21}
	oidMagmaCTRACPKM        = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 5, 1, 1}
	oidMagmaCTRACPKMOMAC    = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 5, 1, 2}
	oidKuznyechikCTRACPKM   = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 5, 2, 1}
	oidKuznyechikCTRACPKMOM = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 5, 2, 2}

	// MAC digests.
	oidStreebog256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	oidStreebog512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}
	oidGOST341194  = asn1.ObjectIdentifier{1, 2, 643, 2, 2, 9}
	oidSHA1        = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)
