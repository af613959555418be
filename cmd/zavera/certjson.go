package main

import (
	"encoding/hex"
	"time"

	"github.com/zavera/zavera/cert"
)

// holderJSON is what the --json outputs of certs and verify tell of a
// certificate: its holder, issuer, validity and key. Both embed it, so that
// the two commands name and format these fields alike.
type holderJSON struct {
	Owner          string    `json:"owner"`
	Title          string    `json:"title,omitempty"`
	Organization   string    `json:"organization,omitempty"`
	INN            string    `json:"inn,omitempty"`
	INNLE          string    `json:"innle,omitempty"`
	OGRN           string    `json:"ogrn,omitempty"`
	OGRNIP         string    `json:"ogrnip,omitempty"`
	SNILS          string    `json:"snils,omitempty"`
	Issuer         string    `json:"issuer"`
	Serial         string    `json:"serial"`
	NotBefore      time.Time `json:"not_before"`
	NotAfter       time.Time `json:"not_after"`
	KeyAlgorithm   string    `json:"key_algorithm"`
	ThumbprintSHA1 string    `json:"thumbprint_sha1"`
}

// holderOf fills holderJSON from c. The person's INN and the
// organisation's INNLE are read the way cert.Name defines them, so that the
// legacy 12-digit organisation INN shows as the organisation's.
func holderOf(c *cert.Certificate) holderJSON {
	n := c.Subject
	tp := c.ThumbprintSHA1()
	return holderJSON{
		Owner: personName(n), Title: n.Title, Organization: n.Organization,
		INN: n.PersonINN(), INNLE: n.OrganizationINN(), OGRN: n.OGRN, OGRNIP: n.OGRNIP, SNILS: n.SNILS,
		Issuer: c.IssuerString(), Serial: c.SerialString(),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), KeyAlgorithm: c.KeyString(),
		ThumbprintSHA1: hex.EncodeToString(tp[:]),
	}
}
