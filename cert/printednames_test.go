package cert

import "testing"

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
		}
		byHand := &Certificate{Subject: c.Subject, Issuer: c.Issuer}
		if byHand.SubjectString() != c.Subject.String() || byHand.IssuerString() != c.Issuer.String() {
			t.Errorf("%s: names of a certificate built by hand", f)
		}
	}
}
