// Package magma implements the GOST 64-bit block cipher: GOST 28147-89
// (RFC 5830) and its successor GOST R 34.12-2015 "Magma" (RFC 8891), with
// the modes, the MAC, the key meshing and the key wrapping that key files
// and containers use.
//
// # Two byte orders
//
// The two standards define the same cipher but read keys and blocks from
// bytes in opposite ways, so a Cipher carries its ByteOrder:
//
//   - Order28147 (NewCipher): the key is eight little-endian 32-bit words
//     K1..K8; a block is two little-endian words, N1 then N2. This is GOST
//     28147-89 as RFC 4357, CryptoPro (containers, PFX, key wrap) and
//     OpenSSL's gost89, gost89-cnt, gost89-cbc and gost-mac use it.
//   - OrderMagma (NewMagma): the key is eight big-endian words K1..K8; a
//     block is one big-endian 64-bit number. This is GOST R 34.12-2015 and
//     34.13-2015 as RFC 8891 and OpenSSL's magma-ctr and magma-cbc use it.
//
// A Magma block is the GOST 28147-89 block with its eight bytes reversed,
// and a Magma key is the GOST 28147-89 key with each 4-byte word reversed.
// NewMagma fixes the S-box to id-tc26-gost-28147-param-Z as GOST R
// 34.12-2015 does; NewCipher takes any S-box (SBoxZ, SBoxCryptoProA..D,
// SBox28147Test, the 34.11-94 sets, or SBoxByOID).
//
// # Modes
//
//   - ECB (simple replacement): the Cipher itself (cipher.Block), or
//     NewECBEncrypter/NewECBDecrypter for many blocks.
//   - CFB (gamma with feedback, 64-bit feedback): NewCFBEncrypter and
//     NewCFBDecrypter, streams whose last block may be partial.
//   - CNT (GOST 28147-89 gamma, constants C1 and C2): NewCNT.
//   - CBC: NewCBCEncrypter and NewCBCDecrypter (8-byte IV).
//   - CTR of GOST R 34.13-2015 for Magma (4-byte IV): NewCTR.
//   - MAC (imitovstavka, 16 rounds, 1 to 8 bytes of output; 4 is the usual
//     32-bit value, 8 the full state): NewMAC and NewMACWithIV.
//   - MAC of GOST R 34.13-2015 for Magma (CMAC): NewCMAC.
//
// GOST R 34.13-2015 allows registers of several blocks in CBC and CFB; its
// examples with a register of z blocks are z interleaved chains of
// NewCBCEncrypter or NewCFBEncrypter, one per IV block (the tests show it).
//
// CFB, CNT and the MAC take a Meshing: CryptoProMeshing applies the key
// meshing of RFC 4357 section 2.3 every 1024 bytes (the new key is a fixed
// constant decrypted under the old one; CFB and CNT also encrypt their
// register under the new key), which the CryptoPro parameter sets and
// OpenSSL's engine require; NoMeshing keeps one key. GOST R 34.13-2015's
// own modes (and ACPKM) have no such meshing.
//
// # Key wrapping
//
// DiversifyKEK is the CryptoPro KEK diversification of RFC 4357 section
// 6.5; Wrap28147/Unwrap28147 the GOST 28147-89 key wrap (sections 6.1,
// 6.2) and WrapCryptoPro/UnwrapCryptoPro the CryptoPro key wrap (6.3, 6.4)
// that CryptoPro's key transport and PFX files use. A wrapped key is UKM
// (8 bytes) || encrypted key (32) || MAC (4); a MAC mismatch is
// ErrIntegrity.
//
// # Constant time
//
// The S-box substitution, the only table in the cipher, is computed in
// constant time: every entry of every table column is read in every round
// and the wanted one is selected with masks derived from the data (see
// gost/internal/g28147), so neither memory addresses nor branches depend on
// keys or data. The rest of the round is an addition modulo 2^32 and a
// rotation. KEK diversification selects key words by UKM bits with masks
// too, and unwrapping compares MACs in constant time. The price is speed:
// `make bench` compares it with OpenSSL's engine, which looks its tables up
// by the data.
//
// # Vectors
//
// The tests check the block of RFC 8891 (GOST R 34.12-2015 example A.2)
// and the Magma ECB, CTR, CBC, CFB and MAC examples of GOST R 34.13-2015
// (appendix A.2), and OpenSSL's GOST engine both ways on random data of odd lengths
// across the key meshing boundaries: gost89 (CFB) and gost89-cbc on
// parameter sets Z and CryptoPro A, gost89-cnt (CryptoPro A) and
// gost89-cnt-12 (Z), magma-ctr, magma-cbc, gost-mac and gost-mac-12 with
// 4- and 8-byte output, magma-mac. ECB with param Z decrypts the private key
// of the public CryptoPro CSP 5 test container (../shared/keyfiles) to the
// key of its certificate. The GOST R
// 34.11-94 examples of RFC 5831 (gost/gostr341194) exercise GOST 28147-89
// with the test S-box. KEK diversification and the CryptoPro key wrap are
// checked against the same RFC 4357 steps carried out with OpenSSL's
// cipher and MAC, since RFC 4357 gives the procedures without worked
// values.
//
// # Concurrency
//
// A Cipher is immutable after creation (until Wipe) and safe for
// concurrent use; modes and MACs hold their own state and are not. Without
// key meshing a mode uses its Cipher's key, which Wipe clears; with key
// meshing it works on a copy of its own.
package magma
