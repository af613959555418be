package verifyserver

import (
	"errors"
	"net/http"
)

// Errors of this package; match them with errors.Is.
var (
	// ErrTrust means trust material that could not be read or parsed.
	ErrTrust = errors.New("verifyserver: unreadable trust material")
	// ErrRequest means a request that does not say what to verify.
	ErrRequest = errors.New("verifyserver: bad request")
	// ErrTooLarge means a body over Config.MaxBody.
	ErrTooLarge = errors.New("verifyserver: request body too large")
)

// Error codes answered in {"error": CODE}. They are stable: a portal may
// act on them. Details go only to the log.
const (
	codeBadRequest      = "bad_request"          // the request does not say what to verify
	codeMalformed       = "malformed_signature"  // not a CMS signature, or no signer
	codeContentRequired = "content_required"     // a detached signature without content or hash
	codeContentRejected = "content_not_expected" // content or hash given for an attached signature
	codeHashAlgorithm   = "hash_algorithm_mismatch"
	codeTooLarge        = "too_large"          // 413
	codeBusy            = "busy"               // 429
	codeTimeout         = "timeout"            // 504
	codeNotReady        = "not_ready"          // 503
	codeMethod          = "method_not_allowed" // 405
	codeNotFound        = "not_found"          // 404
	codeInternal        = "internal_error"     // 500: a fault of the service
)

// statusOf is the HTTP status of each error code.
var statusOf = map[string]int{
	codeBadRequest:      http.StatusBadRequest,
	codeMalformed:       http.StatusUnprocessableEntity,
	codeContentRequired: http.StatusUnprocessableEntity,
	codeContentRejected: http.StatusUnprocessableEntity,
	codeHashAlgorithm:   http.StatusUnprocessableEntity,
	codeTooLarge:        http.StatusRequestEntityTooLarge,
	codeBusy:            http.StatusTooManyRequests,
	codeTimeout:         http.StatusGatewayTimeout,
	codeNotReady:        http.StatusServiceUnavailable,
	codeMethod:          http.StatusMethodNotAllowed,
	codeNotFound:        http.StatusNotFound,
	codeInternal:        http.StatusInternalServerError,
}
