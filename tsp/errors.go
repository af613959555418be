package tsp

import "errors"

// Errors returned by this package; callers match them with errors.Is.
var (
	// ErrMalformed means a request, response or token that does not
	// follow RFC 3161.
	ErrMalformed = errors.New("tsp: malformed time-stamp")
	// ErrRejected means the TSA answered with a status other than
	// granted; the wrapped detail gives its status and failure info.
	ErrRejected = errors.New("tsp: time-stamp request rejected")
	// ErrImprint means the token's message imprint is not the one asked
	// for or expected.
	ErrImprint = errors.New("tsp: message imprint does not match")
	// ErrNonce means the token's nonce is not the request's.
	ErrNonce = errors.New("tsp: nonce does not match")
	// ErrNotTSA means the certificate that signed the token may not sign
	// time-stamps: its extended key usage is not the critical
	// timeStamping alone.
	ErrNotTSA = errors.New("tsp: certificate is not a time-stamping authority's")
	// ErrSignature means the TSA's signature on the token does not verify;
	// the wrapped error is the cms one saying why.
	ErrSignature = errors.New("tsp: time-stamp signature does not verify")
	// ErrTransport means the TSA could not be reached or answered other
	// than with a time-stamp response.
	ErrTransport = errors.New("tsp: time-stamping authority unreachable")
)
