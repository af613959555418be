package ruid

// modDigits returns the number written by d modulo m.
func modDigits(d []int, m int) int {
	r := 0
	for _, x := range d {
		r = (r*10 + x) % m
	}
	return r
}

// ValidateOGRN checks the 13-digit OGRN of an organisation: the last digit
// is the number formed by the first 12 digits modulo 11, then modulo 10.
func ValidateOGRN(s string) error {
	d, err := checkDigits("OGRN", s, 13)
	if err != nil {
		return err
	}
	if c := modDigits(d[:12], 11) % 10; c != d[12] {
		return newError("OGRN", s, ErrChecksum, "check digit %d, want %d", d[12], c)
	}
	return nil
}

// ValidateOGRNIP checks the 15-digit OGRNIP of an individual entrepreneur:
// the last digit is the number formed by the first 14 digits modulo 13,
// then modulo 10.
func ValidateOGRNIP(s string) error {
	d, err := checkDigits("OGRNIP", s, 15)
	if err != nil {
		return err
	}
	if c := modDigits(d[:14], 13) % 10; c != d[14] {
		return newError("OGRNIP", s, ErrChecksum, "check digit %d, want %d", d[14], c)
	}
	return nil
}
