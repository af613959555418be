// Package login defines Zavera's login signature and verifies it: what the
// agent's signChallenge method signs and what a portal's server must check
// before it lets someone in by certificate.
//
// # The format
//
// A login signature is a detached CAdES-BES signature (package cms) over
// Content(origin, nonce):
//
//	zavera-login-v1\norigin=ORIGIN\nnonce=BASE64URL(NONCE)\n
//
// whose eContentType and signed contentType attribute are both
// ContentType, an OID of its own (2.25 and a UUID, ITU-T X.667), instead
// of the id-data that every document signature carries. The agent writes
// that type in signChallenge only; sign and signBatch always write id-data
// and refuse data that starts with Prefix. So a signature obtained through
// sign or signBatch, over the login content or over its hash, is never a
// login signature, even on a portal the signing page does not belong to.
//
// # How a portal verifies a login
//
//  1. The server issues a random nonce (MinNonce to MaxNonce bytes) for
//     one login attempt, keeps it with a short expiry, and gives it to the
//     page, which has the agent sign it with signChallenge.
//  2. When the signature comes back, the server takes the nonce out of its
//     store: a nonce unknown, expired or already used ends the attempt.
//  3. It calls Verify with its own origin (never one the page names), the
//     nonce, and its trust anchors. Verify rebuilds the content, requires
//     the login content type in eContentType and in the signed attribute,
//     exactly one signer, and every check of cms.Verify including the chain;
//     the certificate must also be valid at the time of the login.
//  4. Only then does the certificate of the result's one signer say who
//     logged in. Revocation (CRL, OCSP) is the portal's own business: Verify
//     does not fetch anything.
//
// # Concurrency
//
// The package holds no state: its functions are safe for concurrent use.
// ContentType must not be modified.
package login
