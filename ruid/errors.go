package ruid

import (
	"errors"
	"fmt"
)

// Sentinel errors; every returned error wraps one of them.
var (
	// ErrFormat means a wrong length or a character that is not allowed.
	ErrFormat = errors.New("ruid: bad format")
	// ErrChecksum means well-formed digits whose check digits do not
	// match.
	ErrChecksum = errors.New("ruid: check digits do not match")
)

// Error says which identifier failed and why.
type Error struct {
	Kind   string // "INN", "OGRN", "OGRNIP", "SNILS", "KPP"
	Value  string // the input, shortened when long
	Reason string
	Err    error // ErrFormat or ErrChecksum
}

func (e *Error) Error() string {
	return fmt.Sprintf("ruid: %s %q: %s", e.Kind, e.Value, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

func newError(kind, value string, err error, format string, args ...any) *Error {
	if len(value) > 32 {
		value = value[:32] + "..."
	}
	return &Error{Kind: kind, Value: value, Reason: fmt.Sprintf(format, args...), Err: err}
}

// digits returns the decimal digits of s, or false when s holds anything
// else.
func digits(s string) ([]int, bool) {
	d := make([]int, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, false
		}
		d[i] = int(s[i] - '0')
	}
	return d, true
}

// checkDigits validates kind's length and that s is all digits.
func checkDigits(kind, s string, n int) ([]int, error) {
	if len(s) != n {
		return nil, newError(kind, s, ErrFormat, "%d characters, want %d digits", len(s), n)
	}
	d, ok := digits(s)
	if !ok {
		return nil, newError(kind, s, ErrFormat, "not all digits")
	}
	return d, nil
}
