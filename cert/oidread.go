package cert

import (
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// commonOIDs are the object identifiers nearly every certificate holds
// (the attribute types of its names, its extensions, its algorithms and
// key usages), keyed by their content octets, so that reading one takes a
// shared value rather than an allocation. Each has its length as capacity:
// appending to one copies it.
var commonOIDs = func() map[string]asn1.ObjectIdentifier {
	m := map[string]asn1.ObjectIdentifier{}
	for _, o := range []asn1.ObjectIdentifier{
		oidCommonName, oidSurname, oidSerialNumber, oidCountry, oidLocality, oidProvince, oidStreet,
		oidOrganization, oidOrganizationalUnit, oidTitle, oidGivenName, oidEmailAddress,
		oidINN, oidINNLE, oidOGRN, oidOGRNIP, oidSNILS,
		oidExtSubjectKeyID, oidExtKeyUsage, oidExtPrivateKeyPeriod, oidExtSubjectAltName,
		oidExtBasicConstraints, oidExtCRLDistribution, oidExtPolicies, oidExtAuthorityKeyID,
		oidExtExtKeyUsage, oidExtAuthorityInfo, oidExtSubjectSignTool, oidExtIssuerSignTool,
		oidExtIdentificationKnd,
		oidKeyGOST2012_256, oidKeyGOST2012_512, oidKeyGOST2001, oidKeyECDSA, oidKeyRSA,
		oidSigGOST2012_256, oidSigGOST2012_512, oidSigGOST2001, oidSigECDSASHA256, oidSigECDSASHA384,
		oidSigECDSASHA512, oidSigRSASHA256, oidSigRSASHA384, oidSigRSASHA512,
		OIDPolicyKC1, OIDPolicyKC2, OIDPolicyKC3,
		{1, 3, 6, 1, 5, 5, 7, 3, 2},     // id-kp-clientAuth
		{1, 3, 6, 1, 5, 5, 7, 3, 4},     // id-kp-emailProtection
		{1, 3, 6, 1, 5, 5, 7, 3, 8},     // id-kp-timeStamping
		{1, 3, 6, 1, 5, 5, 7, 3, 9},     // id-kp-OCSPSigning
		{2, 5, 29, 32, 0},               // anyPolicy
		{1, 2, 643, 2, 2, 35, 1},        // CryptoPro-A
		{1, 2, 643, 2, 2, 35, 2},        // CryptoPro-B
		{1, 2, 643, 2, 2, 35, 3},        // CryptoPro-C
		{1, 2, 643, 2, 2, 36, 0},        // CryptoPro-XchA
		{1, 2, 643, 2, 2, 36, 1},        // CryptoPro-XchB
		{1, 2, 643, 2, 2, 30, 1},        // GOST R 34.11-94 CryptoPro parameters
		{1, 2, 643, 7, 1, 1, 2, 2},      // Streebog-256
		{1, 2, 643, 7, 1, 1, 2, 3},      // Streebog-512
		{1, 2, 643, 7, 1, 2, 1, 1, 1},   // tc26 256 A
		{1, 2, 643, 7, 1, 2, 1, 2, 1},   // tc26 512 A
		{1, 2, 643, 7, 1, 2, 1, 2, 2},   // tc26 512 B
		{1, 3, 6, 1, 5, 5, 7, 48, 1},    // id-ad-ocsp
		{1, 3, 6, 1, 5, 5, 7, 48, 2},    // id-ad-caIssuers
		{1, 2, 840, 113549, 1, 9, 2},    // unstructuredName
		{2, 5, 4, 65},                   // pseudonym
		{1, 3, 6, 1, 4, 1, 311, 21, 1},  // Microsoft CA version
		{1, 3, 6, 1, 4, 1, 311, 21, 7},  // Microsoft certificate template
		{1, 3, 6, 1, 4, 1, 311, 20, 2},  // Microsoft certificate template name
		{1, 3, 6, 1, 4, 1, 311, 21, 10}, // Microsoft application policies
	} {
		der, err := asn1.Marshal(o)
		if err != nil {
			panic(err)
		}
		body := cryptobyte.String(der)
		var content cryptobyte.String
		if !body.ReadASN1(&content, cbasn1.OBJECT_IDENTIFIER) {
			panic("cert: bad OID in the table")
		}
		own := append(asn1.ObjectIdentifier(nil), o...)
		m[string(content)] = own[:len(own):len(own)]
	}
	return m
}()

// readOID is s.ReadASN1ObjectIdentifier(out), giving the shared value of a
// common identifier. Callers must not modify what it returns.
func readOID(s *cryptobyte.String, out *asn1.ObjectIdentifier) bool {
	t := *s
	var content cryptobyte.String
	if t.ReadASN1(&content, cbasn1.OBJECT_IDENTIFIER) {
		if o, ok := commonOIDs[string(content)]; ok {
			*s, *out = t, o
			return true
		}
	}
	return s.ReadASN1ObjectIdentifier(out)
}
