package revocation

import "errors"

// Errors returned by this package; callers match them with errors.Is.
var (
	// ErrMalformed means a CRL or OCSP response that does not parse.
	ErrMalformed = errors.New("revocation: malformed CRL or OCSP response")
	// ErrSignature means a CRL or OCSP response whose signature does not
	// verify with the issuer's or its delegated responder's key.
	ErrSignature = errors.New("revocation: signature on revocation data does not verify")
	// ErrUnavailable means no revocation data was found for the
	// certificate: offline with none given, no distribution point, or
	// every source unreachable.
	ErrUnavailable = errors.New("revocation: no revocation data available")
	// ErrStale means the only revocation data found ends (nextUpdate)
	// before the time asked about.
	ErrStale = errors.New("revocation: revocation data out of date")
)
