package keyfile

import "errors"

var (
	// ErrWrongPassword: the password does not open the key. Readers add no
	// hint about the key to it.
	ErrWrongPassword = errors.New("keyfile: wrong password")
	// ErrDamaged: the file is not a well-formed key file of its format
	// (truncated, corrupted, a MAC or checksum mismatch not explained by
	// the password).
	ErrDamaged = errors.New("keyfile: damaged or not a key file")
	// ErrUnsupported: the format or an algorithm in it is recognised but
	// not implemented.
	ErrUnsupported = errors.New("keyfile: unsupported format or algorithm")
)
