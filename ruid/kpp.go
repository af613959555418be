package ruid

// ValidateKPP checks the format of a KPP: four digits (the tax office
// code), two characters 0-9 or A-Z (the reason for registration), three
// digits (the serial number). A KPP has no check digit.
func ValidateKPP(s string) error {
	if len(s) != 9 {
		return newError("KPP", s, ErrFormat, "%d characters, want 9", len(s))
	}
	for i := 0; i < 9; i++ {
		c := s[i]
		digit := c >= '0' && c <= '9'
		if i == 4 || i == 5 {
			if !digit && (c < 'A' || c > 'Z') {
				return newError("KPP", s, ErrFormat, "character %d must be 0-9 or A-Z", i+1)
			}
		} else if !digit {
			return newError("KPP", s, ErrFormat, "character %d must be a digit", i+1)
		}
	}
	return nil
}
