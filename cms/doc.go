// Package cms builds, parses and verifies CAdES-BES signatures: CMS
// SignedData (RFC 5652) with the signed attributes of CAdES (RFC 5126,
// ETSI TS 101 733) and the GOST conventions of RFC 4490, as Russian portals
// expect them, and the same for ECDSA and RSA keys.
//
// # Signing
//
// A Signer is a crypto.Signer with its certificate: a software key or a
// token key plug in alike. Sign hashes content as it streams and writes a
// detached or attached SignedData with the signed attributes contentType,
// signingTime, messageDigest and signingCertificateV2, sorted as DER
// requires, and the signer's certificate (and on request its chain).
// SignDigest does the same over a hash the caller computed (NewHash gives
// the hash to compute). SignTo writes an attached signature while it reads
// the content, in constant memory whatever the size, as BER with
// indefinite lengths around a segmented OCTET STRING.
//
// The digest follows the key: Streebog-256 for GOST R 34.10-2012 256-bit
// keys, Streebog-512 for 512-bit ones, SHA-256/384/512 for ECDSA P-256,
// P-384 and P-521, SHA-256 for RSA (PKCS #1 v1.5) unless Options.Hash says
// otherwise. For GOST, signatureAlgorithm is the key's OID (RFC 4490
// section 3.2) and ESSCertIDv2 names Streebog explicitly. Streebog has no
// crypto.Hash value, so a GOST key's Sign gets a *SignerOpts whose HashFunc
// is 0 and whose DigestAlgorithm names the Streebog variant.
//
// The content is of type id-data unless Options.ContentType names another
// type: then eContentType and the contentType signed attribute carry that
// OID (of any size; SignedData.ContentType is an x509.OID for that reason)
// and the SignedData is version 3. A protocol message signed with a type
// of its own cannot be mistaken for a document signed over the same bytes
// or their hash; package login is the one such type in Zavera.
//
// AddSigner co-signs: it adds a SignerInfo to an existing signature and
// copies every received part byte for byte, BER included, so that earlier
// signatures stay valid. It co-signs id-data only, and with id-data only.
//
// # Verifying
//
// Parse reads BER as well as DER (CryptoPro writes indefinite lengths);
// Decode accepts DER, PEM, bare and URL-safe base64. Verify checks, for
// every signer: that its certificate is present, the contentType and
// messageDigest attributes against the content (or a given hash), the
// signature over the DER of the signed attributes (re-encoded from what
// was received, RFC 5652 section 5.4) or, without signed attributes, over
// the content's hash, signingCertificateV2, CMSAlgorithmProtection, the
// certificate's validity at the signing time, its key usage, and its chain
// to the caller's trust anchors (cert.VerifyChain). Each signer's result
// lists the checks with their outcome; the error returned is the first
// failure and wraps one of the sentinel errors (ErrSignature,
// ErrMessageDigest, ErrSigningCertificate, ErrChain, ErrExpired,
// ErrKeyUsage, ErrUnsupportedAlgorithm, ErrMalformed, ...).
// VerifyParsed checks a SignedData the caller already parsed; a
// VerifyOptions.Memo shared by the calls of one validation (a signature
// and its time-stamp tokens) parses each certificate and checks each
// issuer's signature once.
//
// GOST R 34.10-2001 with GOST R 34.11-94 (CryptoPro parameters) is
// verified, never made: it was withdrawn for new signatures in 2019 and
// stays valid for checking older ones at their signing time.
//
// Hostile input gives ErrMalformed, never a panic: nesting is limited to
// 64 levels, lengths are checked against the input before use, and no
// allocation is sized by a length field.
//
// # Concurrency and ownership
//
// Functions hold no shared state and are safe for concurrent use. A
// SignedData returned by Parse points into the caller's buffer, which must
// not change while the SignedData is in use. A Signer's Key is called once
// per signature from the calling goroutine; a token key that cannot sign
// concurrently must serialise itself.
package cms
