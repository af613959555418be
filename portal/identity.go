package portal

import (
	"strings"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/ruid"
)

// Person is who logged in, as the certificate names them.
type Person struct {
	Name         string `json:"name"`
	Title        string `json:"title,omitempty"`
	SNILS        string `json:"snils"`
	INN          string `json:"inn,omitempty"`
	Organization string `json:"organization,omitempty"`
	INNLE        string `json:"innle,omitempty"`
	OGRN         string `json:"ogrn,omitempty"`
}

// Organization is an organisation the person acts for: the one in their
// certificate, and those whose registration they signed.
type Organization struct {
	Name   string `json:"name"`
	INN    string `json:"inn"`
	OGRN   string `json:"ogrn"`
	KPP    string `json:"kpp,omitempty"`
	Role   string `json:"role"`
	Source string `json:"source"` // "certificate" or "registration"
}

// personFrom reads the person from a verified certificate. A certificate
// without a valid SNILS names no person and cannot log in.
func personFrom(c *cert.Certificate) (Person, error) {
	s := c.Subject
	snils, err := ruid.NormalizeSNILS(s.SNILS)
	if err == nil {
		err = ruid.ValidateSNILS(snils)
	}
	if err != nil {
		return Person{}, &Refusal{Reason: "в сертификате нет СНИЛС владельца: войти можно только с сертификатом физического лица", Err: err}
	}
	name := s.CommonName
	if s.Surname != "" && s.GivenName != "" {
		name = s.Surname + " " + s.GivenName
	}
	inn := s.PersonINN()
	if inn == "" && s.INNLE != "" && len(s.INN) == 12 {
		// With INNLE present, INN is the person's even when it starts
		// with 00 (the demo numbers do).
		inn = s.INN
	}
	p := Person{Name: name, Title: s.Title, SNILS: snils, INN: inn, Organization: s.Organization}
	if innle := s.OrganizationINN(); innle != "" && ruid.ValidateINNLE(innle) == nil {
		p.INNLE = innle
	}
	if s.OGRN != "" && ruid.ValidateOGRN(s.OGRN) == nil {
		p.OGRN = s.OGRN
	}
	return p, nil
}

// leaderTitles are the words of a title that name the head of an
// organisation.
var leaderTitles = []string{"директор", "руководител", "президент", "председател", "управляющ"}

// isLeader reports whether a certificate's title names the organisation's
// leader (Генеральный директор, Директор, Президент, ...), not a deputy or
// another employee.
func isLeader(title string) bool {
	t := strings.ToLower(strings.TrimSpace(title))
	if t == "" || strings.Contains(t, "заместител") || strings.Contains(t, "помощник") || strings.HasPrefix(t, "и.о") || strings.Contains(t, "исполняющ") {
		return false
	}
	for _, w := range leaderTitles {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}
