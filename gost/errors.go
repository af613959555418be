package gost

import "errors"

// Errors returned by this package. Callers match them with errors.Is; the
// returned errors wrap them with detail.
var (
	// ErrUnknownParamSet means a parameter set OID or name this package does
	// not know.
	ErrUnknownParamSet = errors.New("gost: unknown parameter set")
	// ErrInvalidPublicKey means public key bytes of the wrong length or a
	// point that is not on the curve.
	ErrInvalidPublicKey = errors.New("gost: invalid public key")
	// ErrInvalidPrivateKey means a private scalar of the wrong length, zero,
	// or not below the subgroup order.
	ErrInvalidPrivateKey = errors.New("gost: invalid private key")
	// ErrInvalidDigest means a digest whose length does not match the key.
	ErrInvalidDigest = errors.New("gost: digest length does not match the key size")
	// ErrInvalidSignature means a signature of the wrong length, with r or s
	// out of range, or one that does not verify.
	ErrInvalidSignature = errors.New("gost: invalid signature")
	// ErrMalformedKey means DER that is not a well-formed GOST key encoding.
	ErrMalformedKey = errors.New("gost: malformed key encoding")
)
