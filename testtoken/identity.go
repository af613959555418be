package testtoken

import (
	"errors"
	"fmt"
)

// ErrChecksum reports a Russian registration number whose check digits
// are wrong, or which is not made of the right number of digits.
var ErrChecksum = errors.New("testtoken: bad registration number")

// The check digits of Russian registration numbers, as the tax service
// (INN, OGRN) and the pension fund (SNILS) define them.

var (
	innWeights10 = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights11 = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights12 = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

func digits(s string, n int) ([]int, error) {
	if len(s) != n {
		return nil, fmt.Errorf("%w: %q has %d characters, want %d digits", ErrChecksum, s, len(s), n)
	}
	d := make([]int, n)
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return nil, fmt.Errorf("%w: %q is not all digits", ErrChecksum, s)
		}
		d[i] = int(s[i] - '0')
	}
	return d, nil
}

func weighted(d, w []int) int {
	sum := 0
	for i, x := range w {
		sum += x * d[i]
	}
	return sum % 11 % 10
}

// CompleteINN10 appends the check digit to the first 9 digits of a legal
// entity's INN.
func CompleteINN10(first9 string) (string, error) {
	d, err := digits(first9+"0", 10)
	if err != nil {
		return "", err
	}
	return first9 + string(rune('0'+weighted(d, innWeights10))), nil
}

// CompleteINN12 appends the two check digits to the first 10 digits of a
// person's INN.
func CompleteINN12(first10 string) (string, error) {
	d, err := digits(first10+"00", 12)
	if err != nil {
		return "", err
	}
	d[10] = weighted(d, innWeights11)
	d[11] = weighted(d, innWeights12)
	return first10 + string(rune('0'+d[10])) + string(rune('0'+d[11])), nil
}

// CompleteOGRN appends the check digit to the first 12 digits of an
// OGRN: the 12-digit number modulo 11, modulo 10.
func CompleteOGRN(first12 string) (string, error) {
	d, err := digits(first12, 12)
	if err != nil {
		return "", err
	}
	r := 0
	for _, x := range d {
		r = (r*10 + x) % 11
	}
	return first12 + string(rune('0'+r%10)), nil
}

// CompleteSNILS appends the two check digits to the first 9 digits of a
// SNILS: the sum of the digits weighted 9 down to 1, taken modulo 101,
// with 100 written as 00.
func CompleteSNILS(first9 string) (string, error) {
	d, err := digits(first9, 9)
	if err != nil {
		return "", err
	}
	sum := 0
	for i, x := range d {
		sum += x * (9 - i)
	}
	sum %= 101
	if sum == 100 {
		sum = 0
	}
	return fmt.Sprintf("%s%02d", first9, sum), nil
}

// ValidINN checks a 10-digit (legal entity) or 12-digit (person) INN.
func ValidINN(inn string) error {
	var want string
	var err error
	switch len(inn) {
	case 10:
		want, err = CompleteINN10(inn[:9])
	case 12:
		want, err = CompleteINN12(inn[:10])
	default:
		return fmt.Errorf("%w: INN %q has %d digits, want 10 or 12", ErrChecksum, inn, len(inn))
	}
	return check("INN", inn, want, err)
}

// ValidOGRN checks a 13-digit OGRN.
func ValidOGRN(ogrn string) error {
	if len(ogrn) != 13 {
		return fmt.Errorf("%w: OGRN %q has %d digits, want 13", ErrChecksum, ogrn, len(ogrn))
	}
	want, err := CompleteOGRN(ogrn[:12])
	return check("OGRN", ogrn, want, err)
}

// ValidSNILS checks an 11-digit SNILS (digits only, no separators).
func ValidSNILS(snils string) error {
	if len(snils) != 11 {
		return fmt.Errorf("%w: SNILS %q has %d digits, want 11", ErrChecksum, snils, len(snils))
	}
	want, err := CompleteSNILS(snils[:9])
	return check("SNILS", snils, want, err)
}

func check(what, got, want string, err error) error {
	if err != nil {
		return err
	}
	if _, err := digits(got, len(got)); err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%w: %s %s has check digits %s, want %s", ErrChecksum, what, got, got[len(want)-2:], want[len(want)-2:])
	}
	return nil
}
