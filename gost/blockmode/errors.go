package blockmode

import "errors"

// ErrBlockSize is returned for a cipher whose block is neither 8 nor 16
// bytes.
var ErrBlockSize = errors.New("blockmode: block size must be 8 or 16 bytes")

// ErrIVSize is returned for an initialisation vector of the wrong length.
var ErrIVSize = errors.New("blockmode: wrong IV length")

// ErrSectionSize is returned for an ACPKM section size that is not a
// positive multiple of the block size.
var ErrSectionSize = errors.New("blockmode: section size must be a positive multiple of the block size")

// ErrTagSize is returned for a MAC length outside 1..block size.
var ErrTagSize = errors.New("blockmode: MAC length must be 1..block size bytes")
