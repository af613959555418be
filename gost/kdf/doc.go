// Package kdf implements the GOST key derivation functions built on
// Streebog (GOST R 34.11-2012, package gost/streebog):
//
//   - HMAC_GOSTR3411_2012_256 and _512 (RFC 7836, 4.1): NewHMAC256,
//     NewHMAC512; crypto/hmac over streebog.New256 / New512.
//   - KDF_GOSTR3411_2012_256 (RFC 7836, 4.5; R 50.1.113-2016): KDF256,
//     used by CryptoPro's key export (label 26bdb878) and the TC26 key
//     wrapping.
//   - KDF_TREE_GOSTR3411_2012_256 (RFC 7836, 4.5; R 50.1.113-2016): KDFTree256.
//   - PBKDF2 with HMAC_GOSTR3411_2012_512 (RFC 9337; R 50.1.111-2016):
//     PBKDF2, the password KDF of GOST PKCS#12 files.
//
// All byte strings are in the order the RFCs print them.
//
// # Constant time
//
// These functions take keys and passwords, but they are only as constant
// time as Streebog, which is table-driven (see gost/streebog): its look-ups
// are indexed by bytes of the state, which here depend on the key or the
// password, so a process sharing the CPU cache could in principle learn
// about them from timing, as with OpenSSL's engine, which works the same
// way. There are no secret-dependent branches, and the running time
// depends only on the lengths and the iteration count. A constant-time
// Streebog by masked table scans would make a 2000-iteration PBKDF2 take
// seconds; it has not been done. Intermediate PBKDF2 values are wiped
// before returning.
//
// # Vectors and cost
//
// The tests check the examples of RFC 7836 appendix B (HMAC-256/512 and
// KDF_GOSTR3411_2012_256 on K = 00…1f, label 26bdb878, seed af21434145656378;
// KDF_TREE with R = 1, L = 512) and of RFC 9337 / R 50.1.111-2016 appendix A
// for PBKDF2. PBKDF2 costs two Streebog-512 compressions per iteration and
// output block: the 1-, 2- and 4096-iteration vectors take milliseconds and
// run always; the 16777216-iteration vector takes minutes and is left out.
// They are also checked against OpenSSL with the GOST engine's Streebog on
// random inputs: `openssl dgst -mac hmac` for both HMACs, `openssl kdf
// PBKDF2` with md_gost12_512, and `openssl kdf KBKDF` (counter mode, HMAC
// with md_gost12_256) for KDF_TREE with a 4-byte counter, GOST's length
// field passed at the end of KBKDF's context.
//
// The functions are safe for concurrent use; a hash.Hash is not.
package kdf
