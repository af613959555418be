package ruid

import "fmt"

// NormalizeSNILS returns the 11 digits of a SNILS written either as 11
// digits or as "123-456-789 01" (a hyphen in place of the last space is
// accepted too).
func NormalizeSNILS(s string) (string, error) {
	switch len(s) {
	case 11:
		if _, ok := digits(s); ok {
			return s, nil
		}
	case 14:
		if s[3] == '-' && s[7] == '-' && (s[11] == ' ' || s[11] == '-') {
			d := s[0:3] + s[4:7] + s[8:11] + s[12:14]
			if _, ok := digits(d); ok {
				return d, nil
			}
		}
	}
	return "", newError("SNILS", s, ErrFormat, "want 11 digits or NNN-NNN-NNN NN")
}

// FormatSNILS writes 11 SNILS digits as "123-456-789 01".
func FormatSNILS(d string) string {
	if len(d) != 11 {
		return d
	}
	return fmt.Sprintf("%s-%s-%s %s", d[0:3], d[3:6], d[6:9], d[9:11])
}

// snilsExemptMax is the last number issued before check digits were
// introduced: numbers up to 001-001-998 carry no checksum rule.
const snilsExemptMax = 1001998

// ValidateSNILS checks a SNILS (Pension Fund of Russia rules): the first
// nine digits weighted 9..1 and summed give the last two digits, where a
// sum of 100 or 101 gives 00 and a larger sum is taken modulo 101 first
// (a remainder of 100 again gives 00). Numbers up to 001-001-998 are not
// checked.
func ValidateSNILS(s string) error {
	n, err := NormalizeSNILS(s)
	if err != nil {
		return err
	}
	d, _ := digits(n)
	if modDigits(d[:9], 1<<30) <= snilsExemptMax {
		return nil
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += d[i] * (9 - i)
	}
	want := snilsChecksum(sum)
	if got := d[9]*10 + d[10]; got != want {
		return newError("SNILS", s, ErrChecksum, "checksum %02d, want %02d", got, want)
	}
	return nil
}

func snilsChecksum(sum int) int {
	if sum > 101 {
		sum %= 101
	}
	if sum == 100 || sum == 101 {
		return 0
	}
	return sum
}
