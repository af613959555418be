package validate

// Indication is the main outcome of validating one signature (ETSI EN 319
// 102-1 section 5.1.3).
type Indication string

// The three main indications.
const (
	// Passed: every check passed; the signature can be relied on.
	Passed Indication = "PASSED"
	// Failed: a check proved the signature wrong (the content or the
	// signature value does not match, or the signer's own statement puts
	// the signature outside the certificate's validity).
	Failed Indication = "FAILED"
	// Indeterminate: a check could not be completed (no certificate, no
	// path to a trust anchor, an algorithm not supported, no proof of
	// time). Cannot check is never Failed.
	Indeterminate Indication = "INDETERMINATE"
)

// URI returns the indication as TS 119 102-2 writes it in a validation
// report.
func (i Indication) URI() string {
	switch i {
	case Passed:
		return "urn:etsi:019102:mainindication:total-passed"
	case Failed:
		return "urn:etsi:019102:mainindication:total-failed"
	}
	return "urn:etsi:019102:mainindication:indeterminate"
}

// SubIndication says why a signature is Failed or Indeterminate (ETSI EN
// 319 102-1 table 5). It is empty for Passed.
type SubIndication string

// Sub-indications.
const (
	// With Failed.
	HashFailure      SubIndication = "HASH_FAILURE"       // the content's hash differs from the signed one
	SigCryptoFailure SubIndication = "SIG_CRYPTO_FAILURE" // the signature value does not verify with the key
	Revoked          SubIndication = "REVOKED"            // revoked before the validation time
	Expired          SubIndication = "EXPIRED"            // the signing time stated is after the certificate's notAfter
	NotYetValid      SubIndication = "NOT_YET_VALID"      // the signing time stated is before its notBefore

	// With Indeterminate.
	FormatFailure                  SubIndication = "FORMAT_FAILURE"                    // a signer's attributes do not follow CMS/CAdES
	SigConstraintsFailure          SubIndication = "SIG_CONSTRAINTS_FAILURE"           // an attribute contradicts the signer info
	ChainConstraintsFailure        SubIndication = "CHAIN_CONSTRAINTS_FAILURE"         // key usage, CA flags, path length, accreditation
	CertificateChainGeneralFailure SubIndication = "CERTIFICATE_CHAIN_GENERAL_FAILURE" // a certificate of the path has a bad signature
	CryptoConstraintsFailure       SubIndication = "CRYPTO_CONSTRAINTS_FAILURE"        // an algorithm not supported
	NoSigningCertificateFound      SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"      // the signer's certificate is not at hand
	NoCertificateChainFound        SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"        // no path to a trust anchor
	OutOfBoundsNoPOE               SubIndication = "OUT_OF_BOUNDS_NO_POE"              // a certificate is outside its validity at the validation time
	SignedDataNotFound             SubIndication = "SIGNED_DATA_NOT_FOUND"             // a detached signature without its content
	TryLater                       SubIndication = "TRY_LATER"                         // no revocation information available
	RevocationOutOfBoundsNoPOE     SubIndication = "REVOCATION_OUT_OF_BOUNDS_NO_POE"   // revocation information ends before the validation time
	RevokedNoPOE                   SubIndication = "REVOKED_NO_POE"                    // revoked, no proof the signature came before
)

// URI returns the sub-indication as TS 119 102-2 writes it.
func (s SubIndication) URI() string {
	if s == "" {
		return ""
	}
	return "urn:etsi:019102:subindication:" + string(s)
}
