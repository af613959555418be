// Package verifyserver is the HTTP verification service that
// `zavera verify-server` runs: a portal posts a CAdES signature (and, for a
// detached one, the document or its hash) to POST /v1/verify and gets the
// validation report `zavera verify --json` prints. See the section
// "Verification service" of docs/verification.md for the API.
//
// # Who may call it
//
// It is a server-side service for a portal's back end, run behind the
// portal's load balancer. It holds no key and asks no one for consent:
// verifying a signature uses only public material. It keeps no state
// between requests and writes nothing to disk, so any number of copies
// can run side by side.
//
// # Limits
//
// Every request is bounded: a body declared longer than Config.MaxBody is
// refused unread, and no more than MaxBody+1 bytes of any other are read
// (413, and the connection is closed rather than drained: beyond the body
// read, only what the server's 4 KiB read buffer already held has been
// taken from the socket); the whole request has a deadline
// (Config.Timeout; 504 when it passes, while the body arrives or while the
// signature is checked), and at most Config.MaxInFlight verifications run
// at once (429 with Retry-After beyond). A verification runs on its
// request's goroutine; one that outlives its request's deadline is
// answered at the deadline on a connection then closed, and keeps its
// slot until it ends, so abandoned work cannot pile up (see answer).
//
// # Trust material
//
// Trust anchors, extra certificates and the trusted list are read from
// files when the server starts and again on Reload (SIGHUP) or when a file
// changes (Watch). A reload that fails keeps the material in use. Until
// material has been loaded once, /readyz answers 503 and /v1/verify
// answers 503 "not_ready".
//
// # Use
//
// New makes a server; its owner (cmd/zavera's verify-server, or a test)
// calls Reload once and on SIGHUP, may run Watch in a goroutine, and
// serves Handler, best through HTTPServer for its header and idle
// timeouts, on a listener wrapped by HoldWrites so that each answer
// leaves in one write. Handler is what the portal's back end reaches: POST
// /v1/verify, GET /healthz, /readyz and /metrics.
//
// The owner gives the log's handler a LogWriter over standard error, so
// that the access log goes out in batches, and flushes it before exiting.
// Config.Render may return a JSONAppender, which encodes the report
// without encoding/json's reflection.
//
// # Concurrency
//
// Server's methods are safe for concurrent use. The trust material is
// swapped atomically: a request uses the material current when it began.
package verifyserver
