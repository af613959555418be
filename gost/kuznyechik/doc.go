// Package kuznyechik implements the 128-bit block cipher Kuznyechik of GOST R
// 34.12-2015 (RFC 7801) as a crypto/cipher.Block.
//
// # Byte order
//
// Blocks and keys are byte strings in the order the standard writes its
// values, most significant byte first: the RFC 7801 key
// 8899aabb…cdef is the bytes 0x88, 0x99, … and encrypts the block
// 1122334455667700ffeeddccbbaa9988 to 7f679d90bebc24305a468d42b9d4edcd. This
// is the order OpenSSL's GOST engine and the PKCS#12 / CMS profiles use.
//
// # Two implementations
//
// NewCipher is table-driven: the S-box and the linear layer of a round are
// folded into 16 tables of 256 128-bit entries per direction (64 KiB each),
// indexed by bytes of the state. It is fast, but which cache lines it reads
// depends on the key and the data, so a process that shares the CPU cache
// can in principle learn about the key from timing, as with table-based AES.
//
// NewConstantTimeCipher computes the same function without secret-dependent
// memory indices or branches: the S-box by a masked scan of all 256 entries
// and the linear layer as a masked 128×128 bit-matrix product. It is about a
// hundred times slower, which does not matter for what it is for: unwrapping
// and deriving keys, MACs over key files, and other short secrets.
//
// Both return the same results; the tests check them against each other and
// against the published vectors.
//
// # Vectors
//
// The tests use the example of GOST R 34.12-2015 appendix A.1 (also RFC 7801
// section 5), the four-block ECB example of GOST R 34.13-2015 A.1.1, and
// OpenSSL's GOST engine (kuznyechik-ecb / -cbc) on random inputs.
//
// The values are safe for concurrent use by several goroutines.
package kuznyechik
