package testtoken_test

import (
	"errors"
	"testing"

	"github.com/zavera/zavera/testtoken"
)

func TestRegistrationNumbers(t *testing.T) {
	// Checksum-valid examples published with GOST.md's OpenSSL recipe.
	valid := map[string]func(string) error{
		"7707083893":    testtoken.ValidINN,
		"770712345633":  testtoken.ValidINN,
		"1027700132195": testtoken.ValidOGRN,
		"11223344595":   testtoken.ValidSNILS,
	}
	for n, check := range valid {
		if err := check(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		// Changing any one digit must break the check.
		for i := range len(n) {
			b := []byte(n)
			b[i] = '0' + (b[i]-'0'+1)%10
			if err := check(string(b)); !errors.Is(err, testtoken.ErrChecksum) {
				t.Errorf("%s (digit %d changed in %s) accepted: %v", b, i, n, err)
			}
		}
	}
	for _, bad := range []string{"", "770708389", "77070838931", "77070838a3", "７７０７０８３８９３"} {
		if err := testtoken.ValidINN(bad); !errors.Is(err, testtoken.ErrChecksum) {
			t.Errorf("ValidINN(%q) = %v", bad, err)
		}
	}
	for _, bad := range []string{"102770013219", "10277001321950", "1O27700132195"} {
		if err := testtoken.ValidOGRN(bad); !errors.Is(err, testtoken.ErrChecksum) {
			t.Errorf("ValidOGRN(%q) = %v", bad, err)
		}
	}
}

func TestSNILSWrapsAt101(t *testing.T) {
	// Weights 9..1: "000000" then digits a,b,c weigh 3,2,1.
	cases := map[string]string{
		"000000999": "00000099954", // 3*9+2*9+1*9 = 54
		"100000000": "10000000009", // 9
		"900000001": "90000000182", // 81+1 = 82
		"999100000": "99910000020", // 81+72+63+6 = 222, mod 101 = 20
		"911100000": "91110000001", // 81+8+7+6 = 102, mod 101 = 1
	}
	for first9, want := range cases {
		got, err := testtoken.CompleteSNILS(first9)
		if err != nil || got != want {
			t.Errorf("CompleteSNILS(%s) = %s, %v; want %s", first9, got, err, want)
		}
	}
	// A weighted sum of exactly 100 or 101 is written 00.
	for _, first9 := range []string{"920000003", "920000004"} { // 100 and 101
		got, err := testtoken.CompleteSNILS(first9)
		if err != nil {
			t.Fatal(err)
		}
		if got[9:] != "00" {
			t.Errorf("CompleteSNILS(%s) = %s, want check digits 00", first9, got)
		}
	}
}

func TestDemoNumbersAreValid(t *testing.T) {
	d, err := testtoken.DemoIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what, n string
		check   func(string) error
		digits  int
	}{
		{"INNLE", d.INNLE, testtoken.ValidINN, 10},
		{"OGRN", d.OGRN, testtoken.ValidOGRN, 13},
		{"leader INN", d.Leader.INN, testtoken.ValidINN, 12},
		{"leader SNILS", d.Leader.SNILS, testtoken.ValidSNILS, 11},
		{"accountant INN", d.Accountant.INN, testtoken.ValidINN, 12},
		{"accountant SNILS", d.Accountant.SNILS, testtoken.ValidSNILS, 11},
	}
	for _, c := range checks {
		if len(c.n) != c.digits {
			t.Errorf("%s %q has %d digits, want %d", c.what, c.n, len(c.n), c.digits)
		}
		if err := c.check(c.n); err != nil {
			t.Errorf("%s: %v", c.what, err)
		}
	}
	// Fictitious: tax office code 00 does not exist.
	for _, n := range []string{d.INNLE, d.Leader.INN, d.Accountant.INN} {
		if n[:2] != "00" {
			t.Errorf("INN %s is not in the unused region 00", n)
		}
	}
	if d.OGRN[3:5] != "00" {
		t.Errorf("OGRN %s is not in the unused region 00", d.OGRN)
	}
}
