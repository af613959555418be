// Package pfx reads and writes PKCS#12 files (.pfx, .p12) holding GOST
// keys.
//
// Decode opens:
//   - the TC26 profile of R 50.1.112-2016: PBES2 with PBKDF2-HMAC-Streebog-512
//     and GOST 28147-89 CFB (CryptoPro key meshing, S-box param Z), MAC
//     HMAC-Streebog with its key from PBKDF2 (the last 32 of 96 bytes);
//   - the RFC 9548 / RFC 9337 profile with Kuznyechik or Magma in CTR-ACPKM,
//     with or without OMAC (RFC 9337's section sizes, or OpenSSL's);
//   - what OpenSSL's GOST engine writes (gost89, kuznyechik-ctr-acpkm and
//     magma-ctr-acpkm key and certificate PBEs, md_gost12_256/512 or
//     md_gost94 MACs, any PBKDF2 PRF among HMAC-Streebog and HMAC-SHA-1/256/512);
//   - the PFX CryptoPro CSP exports: CryptoPro's PBE 1.2.840.113549.1.12.1.80
//     and key blob (GOST 2012-256, 2012-512 and 2001 keys), the 3DES
//     certificate bag and a SHA-1 MAC.
//
// Encode writes the TC26 profile, or a Kuznyechik or Magma CTR-ACPKM one.
// docs/keyfiles.md lists what is read and written and what is not.
//
// # Rules
//
//   - The MAC is verified before anything is decrypted. A MAC that does
//     not match is keyfile.ErrWrongPassword: PKCS#12 cannot tell a wrong
//     password from a file modified after it was written. A file without a
//     MAC is accepted; then what fails to decrypt is a wrong password.
//   - Errors wrap keyfile.ErrWrongPassword, ErrDamaged or ErrUnsupported;
//     the detail in the message is for the log only.
//   - Every length and count is bounded (MaxFileSize, MaxIterations, 64
//     bags, 32 certificates) and checked before a key derivation runs.
//   - The password is used for the call only; derived keys and decrypted
//     buffers are wiped before return. The caller owns the returned
//     Contents and wipes them.
//
// Decode and Encode keep no state: they are safe for concurrent use.
package pfx
