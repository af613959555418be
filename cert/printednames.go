package cert

import (
	"math/big"
	"sync"
)

// printedNames keeps a parsed certificate's subject and issuer as
// Name.String prints them, and its serial number in hex: reports name the
// same CA certificates on every signature, and the signer's more than
// once. Parse allocates it; a Certificate built otherwise prints them at
// each call.
type printedNames struct {
	subjectOnce, issuerOnce, serialOnce sync.Once
	subject, issuer, serial             string
}

// SubjectString returns c.Subject.String(), printed once per parsed
// certificate.
func (c *Certificate) SubjectString() string {
	if c.printed == nil {
		return c.Subject.String()
	}
	c.printed.subjectOnce.Do(func() { c.printed.subject = c.Subject.String() })
	return c.printed.subject
}

// IssuerString returns c.Issuer.String(), printed once per parsed
// certificate.
func (c *Certificate) IssuerString() string {
	if c.printed == nil {
		return c.Issuer.String()
	}
	c.printed.issuerOnce.Do(func() { c.printed.issuer = c.Issuer.String() })
	return c.printed.issuer
}

// SerialString returns the serial number in upper-case hex, as
// fmt.Sprintf("%X", c.SerialNumber) prints it, printed once per parsed
// certificate.
func (c *Certificate) SerialString() string {
	if c.printed == nil {
		return upperHex(c.SerialNumber)
	}
	c.printed.serialOnce.Do(func() { c.printed.serial = upperHex(c.SerialNumber) })
	return c.printed.serial
}

// upperHex prints n as fmt's %X verb does.
func upperHex(n *big.Int) string {
	if n == nil {
		return "<nil>"
	}
	b := n.Append(make([]byte, 0, 48), 16)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
