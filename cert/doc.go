// Package cert parses X.509 certificates with GOST R 34.10-2012 keys (which
// crypto/x509 parses but cannot use), as well as ECDSA and RSA ones, into one
// model that carries the Russian subject attributes of qualified
// certificates, and verifies certificate chains to trust anchors chosen by
// the caller.
//
// # Parsing
//
// Parse reads exactly one DER certificate and rejects trailing data;
// ParseAll reads what users actually have in files: PEM (one or many
// CERTIFICATE blocks), DER (one or several concatenated), bare base64 and
// URL-safe base64. Both use strict DER (golang.org/x/crypto/cryptobyte): any
// wrong length, indefinite length, truncated or trailing element yields an
// error wrapping ErrMalformed, never a panic. Names accept every string type
// found in the field: UTF8String, PrintableString, NumericString,
// IA5String, VisibleString, BMPString, UniversalString and TeletexString
// (read as Latin-1). Algorithm identifiers accept both absent and explicit
// NULL parameters.
//
// A certificate whose key algorithm is unknown, or whose GOST key cannot be
// decoded, still parses: its PublicKey is nil and CheckSignatureFrom on a
// certificate it issued reports why.
//
// Unknown extensions, critical or not, are kept in Extensions and do not
// stop Parse; VerifyChain refuses a chain in which any certificate carries a
// critical extension this package does not process (ErrUnhandledCritical),
// as RFC 5280 section 4.2 requires of a verifier.
//
// # Russian identifiers
//
// Name exposes INN, INNLE, OGRN, OGRNIP and SNILS as the digits found in the
// certificate, without validation; package ruid validates them. Older
// certificates carry the organisation's INN under the INN OID as 12 digits,
// "00" followed by the 10-digit INNLE: Name.OrganizationINN and
// Name.PersonINN tell the two apart.
//
// # Verification
//
// CheckSignatureFrom verifies GOST R 34.10-2012 signatures with Streebog
// (256 and 512), ECDSA with SHA-256/384/512 and RSA PKCS #1 v1.5 with
// SHA-256/384/512, and GOST R 34.10-2001 with GOST R 34.11-94 (CryptoPro
// parameters): withdrawn for new signatures since 2019, it is still how
// the older CA certificates are signed. Anything else gives
// ErrUnsupportedAlgorithm. VerifyChain builds a path from a leaf through the
// given intermediates to one of the given roots, checking every signature,
// validity at the given time, that each issuer is a CA allowed to sign
// certificates, and path length constraints. See VerifyOptions for the
// treatment of trust anchors without basic constraints.
//
// A Memo, made for one validation and given to every path built in it
// (VerifyOptions.Memo), parses each DER certificate once and checks each
// issuer's signature on a certificate once: a signature's time-stamp
// tokens and revocation data carry the same CA certificates again. A
// SignatureCache, shared by the Memos of many validations
// (NewMemoShared), remembers the certificate signatures found valid across
// them, bounded and least recently used first out, keyed by a hash of the
// exact bytes of both certificates.
//
// # Concurrency and ownership
//
// A *Certificate is immutable once returned and safe for concurrent use.
// Parse keeps no reference to the caller's buffer: Raw and the other byte
// slices point into a private copy. Callers must not modify the slices and
// maps of a Certificate.
package cert
