package magma

import "errors"

var (
	// ErrKeySize reports a key that is not 32 bytes.
	ErrKeySize = errors.New("key must be 32 bytes")
	// ErrIVSize reports an initialisation vector of the wrong length.
	ErrIVSize = errors.New("wrong initialisation vector length")
	// ErrUnknownParamSet reports an S-box parameter set this package does
	// not know.
	ErrUnknownParamSet = errors.New("unknown GOST 28147-89 parameter set")
	// ErrUKMSize reports a user keying material that is not 8 bytes.
	ErrUKMSize = errors.New("UKM must be 8 bytes")
	// ErrWrappedSize reports a wrapped key of the wrong length.
	ErrWrappedSize = errors.New("wrapped key must be 44 bytes")
	// ErrIntegrity reports a wrapped key whose MAC does not match: a wrong
	// key-encryption key or damaged data.
	ErrIntegrity = errors.New("wrapped key integrity check failed")
	// ErrMACSize reports a MAC length other than 1..8 bytes.
	ErrMACSize = errors.New("MAC length must be 1 to 8 bytes")
)
