package cms

import (
	"errors"
	"fmt"
)

// Errors returned by this package. Callers match them with errors.Is; the
// returned errors wrap them with detail saying what was found.
var (
	// ErrMalformed means input that is not a well-formed CMS SignedData
	// (bad BER, missing fields, trailing data, limits exceeded).
	ErrMalformed = errors.New("cms: malformed signature")
	// ErrUnsupportedAlgorithm means a digest, signature or key algorithm
	// this package does not implement, such as GOST R 34.10-2001 with
	// GOST R 34.11-94.
	ErrUnsupportedAlgorithm = errors.New("cms: unsupported algorithm")
	// ErrSignature means the signature value does not verify with the
	// signer's public key.
	ErrSignature = errors.New("cms: signature does not verify")
	// ErrMessageDigest means the messageDigest attribute (or, without
	// signed attributes, the signed hash) does not match the content.
	ErrMessageDigest = errors.New("cms: message digest does not match the content")
	// ErrSigningCertificate means the signingCertificate(V2) attribute does
	// not identify the certificate used to verify.
	ErrSigningCertificate = errors.New("cms: signing certificate attribute does not match")
	// ErrCertificateNotFound means the signer's certificate is neither in
	// the signature nor among the certificates the caller gave.
	ErrCertificateNotFound = errors.New("cms: signer certificate not found")
	// ErrChain means the signer's certificate does not chain to a trust
	// anchor the caller gave; the wrapped error comes from cert.VerifyChain.
	ErrChain = errors.New("cms: certificate chain does not verify")
	// ErrExpired means the signer's certificate was not valid at the time
	// it was checked at: the validation time given, else the signing time,
	// else VerifyOptions.Time or now.
	ErrExpired = errors.New("cms: certificate not valid at the time checked")
	// ErrKeyUsage means the signer's certificate does not allow
	// digitalSignature or nonRepudiation.
	ErrKeyUsage = errors.New("cms: certificate key usage does not allow signing")
	// ErrNoContent means a detached signature verified without its content
	// or its hash.
	ErrNoContent = errors.New("cms: detached signature needs the content or its hash")
	// ErrAlgorithmProtection means a CMSAlgorithmProtection attribute that
	// names other algorithms than the SignerInfo.
	ErrAlgorithmProtection = errors.New("cms: algorithm protection attribute does not match")
	// ErrInvalidArgument means a call with options that cannot work
	// together (for example a digest of the wrong length).
	ErrInvalidArgument = errors.New("cms: invalid argument")
)

// malformed wraps ErrMalformed with a formatted detail.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// unsupported wraps ErrUnsupportedAlgorithm with a formatted detail.
func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupportedAlgorithm, fmt.Sprintf(format, args...))
}
