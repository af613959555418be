package ruid

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// The reference check digits below are computed from the definitions
// with a different formulation (big integers, explicit formulas) than
// the package uses.

func refINN10(prefix string) string {
	w := []int64{2, 4, 10, 3, 5, 9, 4, 6, 8}
	var s int64
	for i, c := range prefix {
		s += int64(c-'0') * w[i]
	}
	return prefix + fmt.Sprint(s%11%10)
}

func refINN12(prefix string) string {
	w11 := []int64{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	w12 := []int64{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	var s int64
	for i, c := range prefix {
		s += int64(c-'0') * w11[i]
	}
	p := prefix + fmt.Sprint(s%11%10)
	s = 0
	for i, c := range p {
		s += int64(c-'0') * w12[i]
	}
	return p + fmt.Sprint(s%11%10)
}

func refMod(prefix string, m int64) string {
	n, _ := new(big.Int).SetString(prefix, 10)
	r := new(big.Int).Mod(n, big.NewInt(m)).Int64()
	return prefix + fmt.Sprint(r%10)
}

func refSNILS(prefix string) string {
	s := 0
	for i, c := range prefix {
		s += int(c-'0') * (9 - i)
	}
	var cs int
	switch {
	case s < 100:
		cs = s
	case s == 100 || s == 101:
		cs = 0
	default:
		cs = s % 101
		if cs == 100 {
			cs = 0
		}
	}
	return fmt.Sprintf("%s%02d", prefix, cs)
}

func randDigits(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

// wrongLast returns s with its last digit replaced by every other digit.
func wrongLast(s string) []string {
	var out []string
	for c := byte('0'); c <= '9'; c++ {
		if c != s[len(s)-1] {
			out = append(out, s[:len(s)-1]+string(c))
		}
	}
	return out
}

func TestGeneratedNumbers(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type gen struct {
		name     string
		validate func(string) error
		make     func() string
	}
	gens := []gen{
		{"INN10", ValidateINN, func() string { return refINN10(randDigits(r, 9)) }},
		{"INNLE", ValidateINNLE, func() string { return refINN10(randDigits(r, 9)) }},
		{"INN12", ValidateINN, func() string { return refINN12("7" + randDigits(r, 9)) }},
		{"PersonINN", ValidatePersonINN, func() string { return refINN12("5" + randDigits(r, 9)) }},
		{"OGRN", ValidateOGRN, func() string { return refMod("1"+randDigits(r, 11), 11) }},
		{"OGRNIP", ValidateOGRNIP, func() string { return refMod("3"+randDigits(r, 13), 13) }},
		{"SNILS", ValidateSNILS, func() string { return refSNILS("1" + randDigits(r, 8)) }},
	}
	for _, g := range gens {
		t.Run(g.name, func(t *testing.T) {
			for i := 0; i < 2000; i++ {
				s := g.make()
				if err := g.validate(s); err != nil {
					t.Fatalf("valid %s rejected: %v", s, err)
				}
				for _, bad := range wrongLast(s) {
					err := g.validate(bad)
					if !errors.Is(err, ErrChecksum) {
						t.Fatalf("%s with a wrong check digit: %v, want ErrChecksum", bad, err)
					}
				}
			}
		})
	}
}

func TestPublicExamples(t *testing.T) {
	valid := []struct {
		name string
		fn   func(string) error
		s    string
	}{
		{"INN of Sberbank", ValidateINN, "7707083893"},
		{"INNLE of Sberbank", ValidateINNLE, "7707083893"},
		{"OGRN of Sberbank", ValidateOGRN, "1027700132195"},
		{"SNILS formatted", ValidateSNILS, "112-233-445 95"},
		{"SNILS hyphens", ValidateSNILS, "112-233-445-95"},
		{"SNILS digits", ValidateSNILS, "11223344595"},
		{"legacy organisation INN of the Ministry", ValidateINN, "007710474375"},
		{"INNLE of the Ministry", ValidateINNLE, "7710474375"},
		{"OGRN of the Ministry", ValidateOGRN, "1047702026701"},
		{"SNILS below the checked range", ValidateSNILS, "001-001-998 00"},
		{"SNILS below the checked range, any checksum", ValidateSNILS, "00100199877"},
		{"KPP", ValidateKPP, "770701001"},
		{"KPP with letters", ValidateKPP, "7707AB001"},
	}
	for _, v := range valid {
		if err := v.fn(v.s); err != nil {
			t.Errorf("%s %q: %v", v.name, v.s, err)
		}
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) error
		s    string
		want error
	}{
		{"INN empty", ValidateINN, "", ErrFormat},
		{"INN 11 digits", ValidateINN, "77070838931", ErrFormat},
		{"INN letters", ValidateINN, "770708389X", ErrFormat},
		{"INN space", ValidateINN, " 7707083893", ErrFormat},
		{"INN wrong", ValidateINN, "7707083894", ErrChecksum},
		{"INNLE 12 digits", ValidateINNLE, "500100732259", ErrFormat},
		{"person INN 10 digits", ValidatePersonINN, "7707083893", ErrFormat},
		{"person INN legacy form", ValidatePersonINN, "007710474375", ErrFormat},
		{"legacy INN wrong inner", ValidateINN, "007710474376", ErrChecksum},
		{"INN unicode digits", ValidateINN, "７７０７０８３８９３", ErrFormat},
		{"OGRN short", ValidateOGRN, "102770013219", ErrFormat},
		{"OGRN wrong", ValidateOGRN, "1027700132196", ErrChecksum},
		{"OGRNIP as OGRN", ValidateOGRNIP, "1027700132195", ErrFormat},
		{"SNILS wrong", ValidateSNILS, "112-233-445 96", ErrChecksum},
		{"SNILS bad layout", ValidateSNILS, "1122-33-445 95", ErrFormat},
		{"SNILS letters", ValidateSNILS, "112-233-44A 95", ErrFormat},
		{"SNILS 10 digits", ValidateSNILS, "1122334459", ErrFormat},
		{"KPP short", ValidateKPP, "77070100", ErrFormat},
		{"KPP lower case", ValidateKPP, "7707ab001", ErrFormat},
		{"KPP letter in tax office", ValidateKPP, "77A701001", ErrFormat},
		{"KPP letter in serial", ValidateKPP, "77070100A", ErrFormat},
	}
	for _, tt := range tests {
		err := tt.fn(tt.s)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s %q: %v, want %v", tt.name, tt.s, err, tt.want)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind == "" || !strings.Contains(err.Error(), e.Kind) {
			t.Errorf("%s: error %v does not name the identifier", tt.name, err)
		}
	}
}

// TestSNILSSumEdges covers the sums 100, 101 and over 101 with numbers
// chosen for them.
func TestSNILSSumEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	seen := map[string]bool{}
	for i := 0; i < 200000 && len(seen) < 4; i++ {
		p := "1" + randDigits(r, 8)
		s := 0
		for j, c := range p {
			s += int(c-'0') * (9 - j)
		}
		var kind string
		switch {
		case s == 100:
			kind = "100"
		case s == 101:
			kind = "101"
		case s > 101 && s%101 == 100:
			kind = "mod 100"
		case s > 101:
			kind = "over 101"
		default:
			continue
		}
		seen[kind] = true
		n := refSNILS(p)
		if err := ValidateSNILS(n); err != nil {
			t.Fatalf("sum %d (%s): %s rejected: %v", s, kind, n, err)
		}
	}
	if len(seen) < 3 {
		t.Errorf("edge cases reached: %v", seen)
	}
}

func TestLegacyOrganizationINN(t *testing.T) {
	if inner, ok := LegacyOrganizationINN("007710474375"); !ok || inner != "7710474375" {
		t.Errorf("got %q %v", inner, ok)
	}
	for _, s := range []string{"7710474375", "017710474375", "00771047437X"} {
		if _, ok := LegacyOrganizationINN(s); ok {
			t.Errorf("%q taken as legacy form", s)
		}
	}
}

func TestFormatSNILS(t *testing.T) {
	if got := FormatSNILS("11223344595"); got != "112-233-445 95" {
		t.Errorf("got %q", got)
	}
	n, err := NormalizeSNILS(FormatSNILS("11223344595"))
	if err != nil || n != "11223344595" {
		t.Errorf("round trip %q %v", n, err)
	}
}

func FuzzValidate(f *testing.F) {
	for _, s := range []string{"7707083893", "007710474375", "112-233-445 95", "770701001", "1027700132195", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []func(string) error{ValidateINN, ValidateINNLE, ValidatePersonINN,
			ValidateOGRN, ValidateOGRNIP, ValidateSNILS, ValidateKPP} {
			if err := fn(s); err != nil && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrChecksum) {
				t.Fatalf("%q: untyped error %v", s, err)
			}
		}
	})
}

func ExampleValidateINN() {
	fmt.Println(ValidateINN("7707083893"))
	fmt.Println(ValidateINN("7707083894"))
	// Output:
	// <nil>
	// ruid: INN "7707083894": check digit 4, want 3
}
