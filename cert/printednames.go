package cert

import "sync"

// printedNames keeps a parsed certificate's subject and issuer as
// Name.String prints them: reports name the same CA certificates on every
// signature. Parse allocates it; a Certificate built otherwise prints its
// names at each call.
type printedNames struct {
	subjectOnce, issuerOnce sync.Once
	subject, issuer         string
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
