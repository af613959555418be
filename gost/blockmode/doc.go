// Package blockmode implements the GOST modes of operation that Zavera
// needs for key files, for any crypto/cipher.Block with a 64-bit (Magma) or
// 128-bit (Kuznyechik) block:
//
//   - CTR of GOST R 34.13-2015, 5.2 (NewCTR): the IV is half a block, the
//     first counter is the IV followed by zero bytes, the counter is a
//     big-endian integer incremented modulo 2^n.
//   - CTR-ACPKM of R 1323565.1.017-2018, 4.1 and RFC 8645, 6.2.1
//     (NewCTRACPKM): CTR whose key is replaced, after every section of N
//     bytes, by ACPKM of the current key (ACPKM: the first 32 bytes of the
//     encryption of 0x80 0x81 … 0x9f). The counter runs on across sections.
//   - ACPKM-Master of R 1323565.1.017-2018, 4.2 and RFC 8645, 6.3.1
//     (ACPKMMaster): CTR-ACPKM with section T* over zero bytes with an IV of
//     0xff bytes.
//   - OMAC of GOST R 34.13-2015, 5.6 (NewOMAC), which is CMAC with the
//     reduction constants 0x87 (128-bit) and 0x1b (64-bit); a MAC of s bytes
//     is the first s bytes of the full value.
//   - OMAC-ACPKM of R 1323565.1.017-2018, 4.3 and RFC 8645, 6.4.2
//     (NewOMACACPKM): each section of N bytes of the message is chained
//     under its own key K^i from ACPKM-Master, and the final mask K1 is the
//     n-bit part of the last section's key material (K2 is K1 doubled).
//
// Byte strings are in the order of the standards' examples, most
// significant byte first, which is also OpenSSL's GOST engine's order.
//
// # Constant time
//
// The modes add no secret-dependent branches or indices of their own
// (the OMAC doubling is masked); whether the whole is constant time depends
// on the block cipher given: kuznyechik.NewConstantTimeCipher is, the table
// implementation kuznyechik.NewCipher is not. ACPKM re-keys through the
// NewCipherFunc given, so pass the constant-time constructor where the key
// is long-lived and the data short (key files, key wrapping).
//
// # Vectors
//
// The tests check GOST R 34.13-2015 appendix A (CTR and OMAC, Kuznyechik
// A.1.2 and A.1.6, Magma A.2.2 and A.2.6), and R 1323565.1.017-2018 appendix
// A, which RFC 8645 appendix A repeats: the ACPKM key sequences, CTR-ACPKM
// with Kuznyechik (N = 256 bits) and Magma (N = 128 bits), ACPKM-Master and
// OMAC-ACPKM for 1.5 and 5 blocks. They also run OpenSSL's GOST engine in
// both directions on random data of odd lengths: kuznyechik-ctr, magma-ctr,
// kuznyechik-ctr-acpkm and magma-ctr-acpkm (the engine's fixed sections of
// 4096 and 1024 bytes), kuznyechik-mac and magma-mac; and OMAC-ACPKM with
// Kuznyechik against the engine's kuznyechik-ctr-acpkm-omac digest (T* of
// 4096 bytes, random N), which the openssl command cannot reach, through the
// small C program in testdata. The engine has no Magma OMAC-ACPKM; that
// rests on the R 1323565.1.017 vectors and a one-pass reference in the
// tests.
//
// Streams and MACs are not safe for concurrent use; the functions are.
package blockmode
