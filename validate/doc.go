// Package validate gives the verdict on CAdES signatures in the terms of
// ETSI EN 319 102-1: PASSED, FAILED or INDETERMINATE with a
// sub-indication, per signature, and a report in the shape of ETSI TS 119
// 102-2. It sits on package cms (the checks on each signer) and package
// cert (certificate paths); `zavera verify` and the agent's verify method
// return what it returns.
//
// # Verdicts
//
// FAILED needs a proof against the signature: the content's hash differs
// from the signed one (HASH_FAILURE), the signature value does not verify
// (SIG_CRYPTO_FAILURE), or the signing time the signer states lies outside
// the certificate's validity (EXPIRED, NOT_YET_VALID). Whatever could not
// be checked gives INDETERMINATE: no signer certificate
// (NO_SIGNING_CERTIFICATE_FOUND), no trust anchor or no path to one
// (NO_CERTIFICATE_CHAIN_FOUND), an algorithm not supported
// (CRYPTO_CONSTRAINTS_FAILURE), a certificate outside its validity at a
// validation time that is not the signer's own statement
// (OUT_OF_BOUNDS_NO_POE), a CA whose accreditation was not in force
// (CHAIN_CONSTRAINTS_FAILURE). With no anchor at all the verdict is never
// PASSED.
//
// # Validation time
//
// Options.At, else the time a signature time-stamp that passed proves
// (CAdES-T; each token gets its own TimestampReport), else the
// signingTime attribute (a claim, reported as such), else now.
//
// # Revocation
//
// With Options.Revocation set, every certificate of the path but the
// anchor is checked with package revocation at the validation time: data
// the signature carries (crls, CAdES-X Long revocation-values), the
// caller's, then unless Offline the certificates' OCSP responders and CRL
// distribution points. REVOKED, REVOKED_NO_POE, TRY_LATER and
// REVOCATION_OUT_OF_BOUNDS_NO_POE come from there. Without it the report
// says revocation was not checked. CAdES-X Long Type 1 signatures are
// checked with their certificate-values and CAdES-C time-stamp (package
// cades).
//
// # Trust anchors
//
// Options.Anchors are anchors the caller chose. Options.TrustList adds the
// CA certificates of the Ministry of Digital Development's trusted list
// (ParseTrustList); a path ending at one passes only if that CA's
// accreditation was in force at the validation time, and the report names
// the CA and the period.
//
// GOST R 34.10-2001 signatures with GOST R 34.11-94 are checked, with a
// note that the algorithm is withdrawn for new signatures.
//
// # Concurrency
//
// Validate holds no shared state and is safe for concurrent use. A
// TrustList is read-only once parsed and may be shared.
//
// # Many signatures
//
// Each validation parses the signature, each time-stamp token, each
// certificate and each signer's long-term values once, and checks each
// certificate's signature by its issuer once. Across validations nothing
// is kept unless the caller shares a cert.SignatureCache
// (Options.SignatureCache): it remembers the certificate signatures found
// valid, so that a service validating many signatures of the same signers,
// TSAs and CAs checks a CA's signature on a certificate once. It is
// bounded, safe for concurrent use, and keyed by a hash of the exact bytes
// of both certificates; every other check is made each time.
package validate
