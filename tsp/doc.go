// Package tsp is a client of RFC 3161 time-stamping authorities (TSA) for
// GOST signatures: it builds a request over a Streebog message imprint
// with a nonce and certReq, posts it over HTTP, and checks the answer.
//
// A token passes Token.Verify only when the response was granted, its
// imprint and nonce are those of the request, the TSA's signature (a CMS
// SignedData over the TSTInfo, checked by package cms) verifies, the
// signing certificate attribute names the TSA's certificate, and that
// certificate carries the critical extended key usage timeStamping and
// nothing else (RFC 3161 section 2.3). Given trust anchors, the TSA's
// certificate must chain to one of them at the token's time.
//
// Package cms uses tokens as the signature-time-stamp attribute of CAdES-T
// (see cms.AddSignatureTimestamp) and package validate reads them back.
//
// # Concurrency
//
// A Client holds no state besides its configuration and may be used by
// several goroutines at once. A Token is read-only once parsed.
package tsp
