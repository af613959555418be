// Package revocation finds out whether a certificate was revoked, from
// CRLs (RFC 5280) and OCSP responses (RFC 6960) signed with GOST (or any
// algorithm package cert checks).
//
// Check looks, in this order, at the OCSP responses and CRLs the caller
// has (those a signature carries, files the user gave), then, unless
// Options.Offline, asks the OCSP responder named in the certificate's
// authority information access and fetches the CRLs of its distribution
// points. The first answer that is signed by the certificate's issuer (or
// by a responder the issuer delegated with the OCSPSigning usage) and
// fresh for the time asked about decides.
//
// # Freshness
//
// An answer covers a time T when it was issued at or after T (it then
// says whether the certificate had been revoked by T), or when T lies
// between its thisUpdate and nextUpdate. An answer whose nextUpdate is
// before T says nothing about T: Check reports it as stale (ErrStale)
// when nothing better is found. No answer at all gives ErrUnavailable:
// offline with nothing given, a responder that cannot be reached.
//
// # Concurrency
//
// Check holds no state; the HTTP client given must be safe for concurrent
// use (http.Client is).
package revocation
