package cms

import "encoding/asn1"

// commonOIDs are the object identifiers nearly every signature holds (its
// content and attribute types, its algorithms), keyed by their content
// octets, so that reading one takes a shared value rather than an
// allocation. Each has its length as capacity: appending to one copies it.
var commonOIDs = func() map[string]asn1.ObjectIdentifier {
	m := map[string]asn1.ObjectIdentifier{}
	for _, o := range []asn1.ObjectIdentifier{
		oidData, oidSignedData,
		oidAttrContentType, oidAttrMessageDigest, oidAttrSigningTime, oidAttrSigningCertificate,
		oidAttrSigningCertV2, oidAttrAlgorithmProtection,
		oidStreebog256, oidStreebog512, oidGOST256Key, oidGOST512Key, oidGOST256Signature, oidGOST512Signature,
		oidGOST94Digest, oidGOST2001Key, oidGOST2001Signature,
		oidSHA1, oidSHA256, oidSHA384, oidSHA512,
		oidECPublicKey, oidECDSAWithSHA256, oidECDSAWithSHA384, oidECDSAWithSHA512,
		oidRSAEncryption, oidSHA256WithRSA, oidSHA384WithRSA, oidSHA512WithRSA,
		{1, 2, 840, 113549, 1, 9, 16, 1, 4},  // id-ct-TSTInfo
		{1, 2, 840, 113549, 1, 9, 16, 2, 14}, // signature-time-stamp
		{1, 2, 840, 113549, 1, 9, 16, 2, 21}, // complete-certificate-references
		{1, 2, 840, 113549, 1, 9, 16, 2, 22}, // complete-revocation-references
		{1, 2, 840, 113549, 1, 9, 16, 2, 23}, // certificate-values
		{1, 2, 840, 113549, 1, 9, 16, 2, 24}, // revocation-values
		{1, 2, 840, 113549, 1, 9, 16, 2, 25}, // CAdES-C time-stamp
		{1, 2, 840, 113549, 1, 9, 16, 2, 26}, // time-stamped certificates and CRLs
		{1, 2, 840, 113549, 1, 9, 16, 2, 15}, // signature-policy-identifier
	} {
		der, err := asn1.Marshal(o)
		if err != nil || len(der) < 2 || int(der[1]) != len(der)-2 {
			panic("cms: bad OID in the table")
		}
		own := append(asn1.ObjectIdentifier(nil), o...)
		m[string(der[2:])] = own[:len(own):len(own)]
	}
	return m
}()
