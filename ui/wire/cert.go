package wire

import "github.com/zavera/zavera/cert"

// FromCertificate picks out of c what the signing window shows. token is
// the label of the token the key is on, or "".
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
		Owner: owner, Position: s.Title, Organization: s.Organization,
		INN: s.PersonINN(), INNLE: s.OrganizationINN(), OGRN: firstOf(s.OGRN, s.OGRNIP), SNILS: s.SNILS,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, Key: c.KeyString(), Qualified: c.Qualified(),
		Token: token,
	}
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
