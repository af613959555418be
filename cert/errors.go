package cert

import "errors"

// Errors returned by this package. Returned errors wrap them with detail;
// match them with errors.Is.
var (
	// ErrMalformed means input that is not a well-formed certificate.
	ErrMalformed = errors.New("cert: malformed certificate")
	// ErrUnsupportedAlgorithm means a key or signature algorithm this
	// package cannot verify (SHA-1, RSA-PSS, ...).
	ErrUnsupportedAlgorithm = errors.New("cert: unsupported algorithm")
	// ErrUnknownAuthority means no path from the certificate to a given
	// root was found.
	ErrUnknownAuthority = errors.New("cert: certificate signed by unknown authority")
	// ErrExpired means a certificate whose notAfter is before the time of
	// verification.
	ErrExpired = errors.New("cert: certificate has expired")
	// ErrNotYetValid means a certificate whose notBefore is after the time
	// of verification.
	ErrNotYetValid = errors.New("cert: certificate is not yet valid")
	// ErrBadSignature means a signature that does not verify with the
	// issuer's key.
	ErrBadSignature = errors.New("cert: bad signature")
	// ErrNotCA means an issuer that is not allowed to sign certificates:
	// basic constraints absent or cA FALSE, or key usage without
	// keyCertSign.
	ErrNotCA = errors.New("cert: issuer is not a certification authority")
	// ErrPathLength means a chain longer than an issuer's pathLenConstraint
	// allows.
	ErrPathLength = errors.New("cert: path length constraint exceeded")
	// ErrUnhandledCritical means a critical extension this package does not
	// process.
	ErrUnhandledCritical = errors.New("cert: unhandled critical extension")
	// ErrKeyUsage means a leaf certificate whose key usage does not allow
	// what the caller asked for.
	ErrKeyUsage = errors.New("cert: key usage does not allow this use")
)
