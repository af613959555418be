package ruid

import (
	"errors"
	"strings"
)

// Weights of the INN check digits (order of the Federal Tax Service of
// Russia, rules of forming the INN).
var (
	innWeights10 = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights11 = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights12 = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// innCheck returns the check digit over d with weights w: the weighted sum
// mod 11, then mod 10.
func innCheck(d, w []int) int {
	sum := 0
	for i, wi := range w {
		sum += d[i] * wi
	}
	return sum % 11 % 10
}

// ValidateINN checks an INN of an organisation (10 digits) or a person (12
// digits), including the legacy 12-digit form "00"+INNLE of an
// organisation's INN in older certificates.
func ValidateINN(s string) error {
	switch len(s) {
	case 10:
		return ValidateINNLE(s)
	case 12:
		if inner, ok := LegacyOrganizationINN(s); ok {
			if err := ValidateINNLE(inner); err != nil {
				return newError("INN", s, errorsCause(err), "legacy organisation INN: %s", reason(err))
			}
			return nil
		}
		return ValidatePersonINN(s)
	}
	if _, ok := digits(s); !ok {
		return newError("INN", s, ErrFormat, "not all digits")
	}
	return newError("INN", s, ErrFormat, "%d digits, want 10 or 12", len(s))
}

// ValidateINNLE checks the 10-digit INN of an organisation.
func ValidateINNLE(s string) error {
	d, err := checkDigits("INN", s, 10)
	if err != nil {
		return err
	}
	if c := innCheck(d, innWeights10); c != d[9] {
		return newError("INN", s, ErrChecksum, "check digit %d, want %d", d[9], c)
	}
	return nil
}

// ValidatePersonINN checks the 12-digit INN of a person (or an individual
// entrepreneur). The legacy organisation form "00"+INNLE is refused.
func ValidatePersonINN(s string) error {
	d, err := checkDigits("INN", s, 12)
	if err != nil {
		return err
	}
	if strings.HasPrefix(s, "00") {
		return newError("INN", s, ErrFormat, "starts with 00: an organisation's INN in the legacy form, not a person's")
	}
	if c := innCheck(d, innWeights11); c != d[10] {
		return newError("INN", s, ErrChecksum, "11th digit %d, want %d", d[10], c)
	}
	if c := innCheck(d, innWeights12); c != d[11] {
		return newError("INN", s, ErrChecksum, "12th digit %d, want %d", d[11], c)
	}
	return nil
}

// LegacyOrganizationINN returns the 10-digit organisation INN inside a
// 12-digit "00"+INNLE value, and whether s has that form. It does not check
// the digits.
func LegacyOrganizationINN(s string) (string, bool) {
	if len(s) != 12 || !strings.HasPrefix(s, "00") {
		return "", false
	}
	if _, ok := digits(s); !ok {
		return "", false
	}
	return s[2:], true
}

func errorsCause(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e.Err
	}
	return ErrFormat
}

func reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return err.Error()
}
