// Package streebog implements the hash function of GOST R 34.11-2012,
// known as Streebog, in its 256- and 512-bit forms (RFC 6986).
//
// New256 and New512 return a hash.Hash that accepts input in pieces of any
// size; Sum leaves the state untouched, so a caller may keep writing after
// it. Sum256 and Sum512 hash one byte slice.
//
// # Byte order
//
// The bytes a digest returns are the bytes every consumer uses unchanged:
// CMS messageDigest, ESSCertIDv2.certHash and the input of a token's raw
// GOST R 34.10-2012 signing mechanism. RFC 6986 prints its example values
// as numbers, most significant byte first, which is this package's output
// reversed.
//
// # Implementation
//
// The compression function works on eight 64-bit little-endian words. The
// S-box, the byte transposition and the linear map of each round are folded
// into eight tables of 256 words built once at package initialisation from
// the constants of the standard (π, the matrix A and the round constants),
// so a round is 64 table look-ups and XORs. The table-driven code is not
// built to be constant time: the look-ups are indexed by bytes of the
// state. That is harmless for documents and signed attributes; gost/kdf
// also feeds it keys and passwords (HMAC, PBKDF2, the GOST KDFs), where a
// process sharing the CPU cache could in principle learn something from
// timing (gost/kdf documents the trade-off).
//
// # Concurrency
//
// A hash.Hash from New256 or New512 must not be used by several goroutines
// at once; the package functions are safe for concurrent use.
package streebog
