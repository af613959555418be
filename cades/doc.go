// Package cades makes and reads the unsigned attributes of long-term CAdES
// signatures (ETSI EN 319 122-1, RFC 5126) on top of package cms:
//
//   - CAdES-T: a signature-time-stamp (AddTimestamp) from an RFC 3161
//     time-stamping authority (package tsp) over each signature value,
//     which proves the signature existed at the time-stamp's time;
//   - CAdES-X Long Type 1: the references to and the values of the
//     certificates and revocation data that validate the signer's
//     certificate, and a CAdES-C time-stamp over them.
//
// Attributes are only ever added after the existing ones; the signed
// attributes, the signature value and every other part of the signature
// are kept byte for byte, so that enhancing never invalidates a signature.
//
// # Concurrency
//
// The functions hold no state; they call the Timestamper given, which must
// be safe for the caller's own use.
package cades
