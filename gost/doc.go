// Package gost implements the digital signature of the Russian national
// standard GOST R 34.10-2012 (RFC 7091) with 256- and 512-bit keys over the parameter sets
// of RFC 7836 and the CryptoPro sets of RFC 4357.
//
// # Signing
//
// A Curve is one parameter set, found by its object identifier (CurveByOID)
// or its name (CurveByName). GenerateKey makes a private key; a *PrivateKey
// is a crypto.Signer whose Sign takes the hash bytes (32 bytes for 256-bit
// keys, 64 for 512-bit ones) and returns BE(s) || BE(r), the form PKCS#11,
// CMS and X.509 all use. PublicKey.Verify checks such a signature.
//
// Signing runs in constant time with respect to the private key and the
// per-signature nonce: the field and scalar arithmetic works on fixed-size
// limbs and the scalar multiplication neither branches on nor indexes
// memory by secret bits. Verification handles public data only and rejects
// malformed input (wrong lengths, r or s out of range, points off the
// curve) with an error, never a panic.
//
// # Encoding
//
// Public keys encode as X.509 SubjectPublicKeyInfo holding LE(X) || LE(Y) in
// an OCTET STRING; private keys as PKCS#8 holding the little-endian scalar,
// the way OpenSSL's GOST engine writes them.
//
// # Concurrency
//
// Curves, public keys and private keys are immutable after creation and
// safe for concurrent use.
package gost
