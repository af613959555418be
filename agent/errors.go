package agent

import (
	"errors"
	"fmt"
)

// Errors that token sources, prompters and the agent itself return.
// Implementations wrap them (fmt.Errorf("...: %w", ErrX)) and the agent
// matches them with errors.Is and errors.As to pick the code a page sees.
var (
	// ErrCancelled means the user declined, closed the prompt, or the
	// prompt timed out; also a request the page cancelled.
	ErrCancelled = errors.New("agent: cancelled")
	// ErrOriginNotAllowed means the page's origin is not approved.
	ErrOriginNotAllowed = errors.New("agent: origin not allowed")
	// ErrPINIncorrect means the token refused the PIN. Token sources
	// return a *PINError to tell how many tries are left.
	ErrPINIncorrect = errors.New("agent: PIN incorrect")
	// ErrPINLocked means the token's user PIN is blocked.
	ErrPINLocked = errors.New("agent: PIN locked")
	// ErrTokenNotFound means the token is absent or was removed.
	ErrTokenNotFound = errors.New("agent: token not found or removed")
	// ErrCertificateNotFound means no certificate has the given ID.
	ErrCertificateNotFound = errors.New("agent: certificate not found")
	// ErrBadRequest means a malformed message or invalid parameters.
	ErrBadRequest = errors.New("agent: bad request")
	// ErrTooLarge means a message or a field over the configured limit.
	ErrTooLarge = errors.New("agent: too large")
	// ErrBusy means a limit on concurrent work was reached: a cool-down
	// after repeated refusals, too many requests of an origin waiting for
	// their prompt, too many requests in flight or too many connections.
	ErrBusy = errors.New("agent: busy")
	// ErrTokenDriverFailed means the token's driver (its PKCS#11 module)
	// crashed or stopped answering during the request; it is restarted,
	// and the next request needs the PIN again.
	ErrTokenDriverFailed = errors.New("agent: token driver failed")
)

// PINError is the error a token source returns when the PIN is wrong and
// the token still accepts tries. It matches ErrPINIncorrect.
type PINError struct {
	// TriesLeft is the number of tries before the PIN locks, or -1 when
	// the token does not say.
	TriesLeft int
}

func (e *PINError) Error() string {
	if e.TriesLeft < 0 {
		return "agent: PIN incorrect"
	}
	return fmt.Sprintf("agent: PIN incorrect, %d tries left", e.TriesLeft)
}

// Is makes errors.Is(err, ErrPINIncorrect) true.
func (e *PINError) Is(target error) bool { return target == ErrPINIncorrect }

// Code is a stable error code that pages see in a JSON-RPC error object.
// The numbers and the Reason strings never change meaning; docs/protocol.md
// lists them.
type Code int

// Error codes for pages. The first four are those of JSON-RPC 2.0 for
// protocol faults; the others are Zavera's own.
const (
	CodeParseError          Code = -32700
	CodeInvalidRequest      Code = -32600
	CodeMethodNotFound      Code = -32601
	CodeInvalidParams       Code = -32602
	CodeCancelled           Code = 1001
	CodeOriginNotAllowed    Code = 1002
	CodePINIncorrect        Code = 1003
	CodePINLocked           Code = 1004
	CodeTokenNotFound       Code = 1005
	CodeCertificateNotFound Code = 1006
	CodeBadRequest          Code = 1007
	CodeTooLarge            Code = 1008
	CodeBusy                Code = 1009
	CodeInternal            Code = 1010
	CodeUnavailable         Code = 1011
	CodeTokenDriverFailed   Code = 1012
)

// Reason is the short stable name of a code, carried in error.data.reason.
func (c Code) Reason() string {
	switch c {
	case CodeParseError, CodeInvalidRequest, CodeMethodNotFound, CodeInvalidParams, CodeBadRequest:
		return "bad_request"
	case CodeCancelled:
		return "cancelled"
	case CodeOriginNotAllowed:
		return "origin_not_allowed"
	case CodePINIncorrect:
		return "pin_incorrect"
	case CodePINLocked:
		return "pin_locked"
	case CodeTokenNotFound:
		return "token_not_found"
	case CodeCertificateNotFound:
		return "certificate_not_found"
	case CodeTooLarge:
		return "too_large"
	case CodeBusy:
		return "busy"
	case CodeUnavailable:
		return "unavailable"
	case CodeTokenDriverFailed:
		return "token_driver_failed"
	default:
		return "internal"
	}
}

// message is the text pages see for a code; details stay in the log.
func (c Code) message() string {
	switch c {
	case CodeParseError:
		return "malformed JSON"
	case CodeInvalidRequest:
		return "not a JSON-RPC 2.0 request"
	case CodeMethodNotFound:
		return "unknown method"
	case CodeInvalidParams:
		return "invalid parameters"
	case CodeCancelled:
		return "cancelled"
	case CodeOriginNotAllowed:
		return "origin not allowed"
	case CodePINIncorrect:
		return "PIN incorrect"
	case CodePINLocked:
		return "PIN locked"
	case CodeTokenNotFound:
		return "token not found or removed"
	case CodeCertificateNotFound:
		return "certificate not found"
	case CodeBadRequest:
		return "bad request"
	case CodeTooLarge:
		return "too large"
	case CodeBusy:
		return "busy, try again later"
	case CodeUnavailable:
		return "time-stamping or revocation service unavailable"
	case CodeTokenDriverFailed:
		return "token driver failed"
	default:
		return "internal error"
	}
}

// rpcError is an error that already carries its page-facing code, for
// faults found while decoding a request.
type rpcError struct {
	code   Code
	detail string
}

func (e *rpcError) Error() string { return "agent: " + e.code.message() + ": " + e.detail }

func (e *rpcError) Unwrap() error {
	switch e.code {
	case CodeTooLarge:
		return ErrTooLarge
	default:
		return ErrBadRequest
	}
}

func badParams(format string, args ...any) error {
	return &rpcError{code: CodeInvalidParams, detail: fmt.Sprintf(format, args...)}
}

// CodeOf maps any error to the code a page sees. It is the one place where
// internal failures become page-facing codes; anything unrecognised is
// CodeInternal.
func CodeOf(err error) Code {
	var re *rpcError
	var pe *PINError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &re):
		return re.code
	case errors.Is(err, ErrCancelled):
		return CodeCancelled
	case errors.Is(err, ErrOriginNotAllowed):
		return CodeOriginNotAllowed
	case errors.As(err, &pe), errors.Is(err, ErrPINIncorrect):
		return CodePINIncorrect
	case errors.Is(err, ErrPINLocked):
		return CodePINLocked
	case errors.Is(err, ErrTokenNotFound):
		return CodeTokenNotFound
	case errors.Is(err, ErrCertificateNotFound):
		return CodeCertificateNotFound
	case errors.Is(err, ErrTooLarge):
		return CodeTooLarge
	case errors.Is(err, ErrBadRequest):
		return CodeBadRequest
	case errors.Is(err, ErrBusy):
		return CodeBusy
	case errors.Is(err, ErrUnavailable):
		return CodeUnavailable
	case errors.Is(err, ErrTokenDriverFailed):
		return CodeTokenDriverFailed
	default:
		return CodeInternal
	}
}

func asPINError(err error) (*PINError, bool) {
	var pe *PINError
	ok := errors.As(err, &pe)
	return pe, ok
}
