// Package cpcontainer reads CryptoPro CSP key containers kept as folders
// of files (header.key, masks.key, masks2.key, name.key, primary.key,
// primary2.key), as CSP 4 and 5 write them to flash drives and disks, and
// writes containers of the same form.
//
// CryptoPro has not published the format; this package follows the public
// independent analyses of it. A container holds one private key: GOST R
// 34.10-2012 with 256- or 512-bit keys, or GOST R 34.10-2001. The key in
// primary.key is multiplied by the mask of masks.key and encrypted with
// GOST 28147-89 in ECB mode under a key derived from the password and the
// salt of masks.key (Streebog-256 and S-box param Z for 2012 keys, GOST R
// 34.11-94 and S-box CryptoPro A for 2001 keys). header.key names the
// algorithm, holds the first 8 bytes of the public key (the fingerprint
// the unwrapped key is checked against) and usually the certificate.
// primary2.key and masks2.key are an optional reserve copy.
//
// # Rules
//
//   - Inspect is cheap: it reads header.key and name.key and tells whether
//     the empty password opens the key (two KDF rounds). Open runs the full
//     KDF (2000 rounds) and returns the key; the caller wipes it with
//     keyfile.Contents.Wipe.
//   - A password that does not give the fingerprint is
//     keyfile.ErrWrongPassword with no other detail; files that cannot be
//     parsed are keyfile.ErrDamaged; algorithms this package does not know
//     are keyfile.ErrUnsupported.
//   - Every file is read up to a fixed size and parsed strictly; the
//     password and every derived key are wiped before the functions return.
//   - The package keeps no state: its functions may be called from any
//     goroutine.
package cpcontainer
