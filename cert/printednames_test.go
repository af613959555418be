package cert

import (
	"fmt"
	"math/big"
	"testing"
)

// The printed names are Name.String's, whether cached by Parse or not.
func TestPrintedNames(t *testing.T) {
	for _, f := range realworldCerts(t) {
		c := loadOne(t, f)
		for range 2 {
			if got, want := c.SubjectString(), c.Subject.String(); got != want {
				t.Errorf("%s: subject %q, want %q", f, got, want)
			}
			if got, want := c.IssuerString(), c.Issuer.String(); got != want {
				t.Errorf("%s: issuer %q, want %q", f, got, want)
			}
			if got, want := c.SerialString(), fmt.Sprintf("%X", c.SerialNumber); got != want {
				t.Errorf("%s: serial %q, want %q", f, got, want)
			}
		}
		byHand := &Certificate{Subject: c.Subject, Issuer: c.Issuer}
		if byHand.SubjectString() != c.Subject.String() || byHand.IssuerString() != c.Issuer.String() {
			t.Errorf("%s: names of a certificate built by hand", f)
		}
	}
}

// Serial numbers print as fmt's %X prints them, whatever their sign.
func TestSerialString(t *testing.T) {
	for _, v := range []string{"0", "1", "-1", "255", "-4096", "00ab12cd34ef5678901234567890abcdef", "1234567890123456789012345678901234567890"} {
		n, ok := new(big.Int).SetString(v, 16)
		if !ok {
			t.Fatal(v)
		}
		c := &Certificate{SerialNumber: n}
		if got, want := c.SerialString(), fmt.Sprintf("%X", n); got != want {
			t.Errorf("%s: %q, want %q", v, got, want)
		}
	}
	if got, want := (&Certificate{}).SerialString(), fmt.Sprintf("%X", (*big.Int)(nil)); got != want {
		t.Errorf("no serial: %q, want %q", got, want)
	}
}
