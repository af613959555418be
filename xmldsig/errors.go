package xmldsig

import "errors"

// Errors; every error this package returns wraps one of them.
var (
	// ErrMalformed: the document is not well-formed XML, or a
	// signature in it lacks a part XMLDSig requires.
	ErrMalformed = errors.New("xmldsig: malformed document")
	// ErrTooLarge: the document exceeds the package's bounds.
	ErrTooLarge = errors.New("xmldsig: document too large")
	// ErrUnsupported: an algorithm, transform or construct the package
	// does not implement.
	ErrUnsupported = errors.New("xmldsig: not supported")
	// ErrNoSignature: the document has no signature to verify, or no
	// template to fill.
	ErrNoSignature = errors.New("xmldsig: no signature")
	// ErrDigestMismatch: a reference's digest does not match what it
	// refers to.
	ErrDigestMismatch = errors.New("xmldsig: digest mismatch")
	// ErrBadSignature: the signature value does not verify.
	ErrBadSignature = errors.New("xmldsig: bad signature")
	// ErrInvalidArgument: the caller's options do not fit the key.
	ErrInvalidArgument = errors.New("xmldsig: invalid argument")
)
