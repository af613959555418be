package wire

import (
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/displaytext"
)

// maxField caps a certificate field as shown.
const maxField = 200

// FromCertificate picks out of c what the signing window shows. token is
// the label of the token the key is on, or "". The fields come from the
// token and are cleaned like page text (internal/displaytext).
func FromCertificate(c *cert.Certificate, token string) *Cert {
	if c == nil {
		return nil
	}
	s := c.Subject
	owner := s.CommonName
	if owner == "" {
		owner = s.Surname + " " + s.GivenName
	}
	return &Cert{
		Owner: field(owner), Position: field(s.Title), Organization: field(s.Organization),
		INN: field(s.PersonINN()), INNLE: field(s.OrganizationINN()), OGRN: field(firstOf(s.OGRN, s.OGRNIP)), SNILS: field(s.SNILS),
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, Key: field(c.KeyString()), Qualified: c.Qualified(),
		Token: field(token),
	}
}

// field cleans a certificate field to one line of at most maxField
// columns.
func field(s string) string {
	return displaytext.Truncate(displaytext.Line(s), maxField)
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
