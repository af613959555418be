package portal

import "errors"

// Errors returned by New and carried, wrapped, in the portal's answers.
var (
	// ErrConfig means Options that cannot work (no origin, no trust
	// anchor).
	ErrConfig = errors.New("portal: invalid options")
	// ErrInvalidForm means a field of the organisation form or an
	// attached document was refused; the wrapped FieldError says which.
	ErrInvalidForm = errors.New("portal: invalid form")
	// ErrSignature means a signature that does not verify or does not
	// fit the request (wrong organisation, not a leader, another person).
	ErrSignature = errors.New("portal: signature refused")
)

// FieldError is a refused form field with a message a person can act on,
// in Russian.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *FieldError) Error() string { return "portal: " + e.Field + ": " + e.Message }

// Unwrap lets errors.Is match ErrInvalidForm.
func (e *FieldError) Unwrap() error { return ErrInvalidForm }

// Refusal is a signature refused, with the reason shown to the user.
type Refusal struct {
	Reason string // in Russian
	Err    error  // the underlying error, for logs
}

func (e *Refusal) Error() string {
	if e.Err != nil {
		return "portal: " + e.Reason + ": " + e.Err.Error()
	}
	return "portal: " + e.Reason
}

// Unwrap lets errors.Is match ErrSignature and the underlying error.
func (e *Refusal) Unwrap() []error { return []error{ErrSignature, e.Err} }
