package agent

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/ruid"
)

// certFilter selects certificates so that a page asks for "the leader of
// this organisation" and the user sees only fitting ones. Every field set
// must match.
type certFilter struct {
	// INN is a person's 12-digit INN.
	INN string `json:"inn,omitempty"`
	// INNLE is an organisation's 10-digit INN (also found in the legacy
	// "00"+INNLE form under the INN attribute).
	INNLE string `json:"innle,omitempty"`
	OGRN  string `json:"ogrn,omitempty"`
	SNILS string `json:"snils,omitempty"`
	// Qualified keeps only Russian qualified certificates.
	Qualified bool `json:"qualified,omitempty"`
	// ValidNow keeps only certificates valid at this moment.
	ValidNow bool `json:"validNow,omitempty"`
	// KeyUsage lists RFC 5280 names ("digitalSignature",
	// "nonRepudiation"); a certificate must allow all of them.
	KeyUsage []string `json:"keyUsage,omitempty"`
}

type certificatesParams struct {
	Filter certFilter `json:"filter"`
}

// certJSON is a certificate as pages see it.
type certJSON struct {
	ID           string      `json:"id"`
	Token        string      `json:"token"`
	Subject      subjectJSON `json:"subject"`
	Issuer       string      `json:"issuer"`
	Serial       string      `json:"serial"`
	NotBefore    time.Time   `json:"notBefore"`
	NotAfter     time.Time   `json:"notAfter"`
	ValidNow     bool        `json:"validNow"`
	Qualified    bool        `json:"qualified"`
	KeyAlgorithm string      `json:"keyAlgorithm"`
	KeyUsage     []string    `json:"keyUsage"`
	// Certificate is the DER, base64.
	Certificate []byte `json:"certificate"`
	// SoftwareKey is true when the key is in a key file or container
	// (not a certified token).
	SoftwareKey bool `json:"softwareKey,omitempty"`
}

type subjectJSON struct {
	CommonName   string `json:"commonName,omitempty"`
	Surname      string `json:"surname,omitempty"`
	GivenName    string `json:"givenName,omitempty"`
	Title        string `json:"title,omitempty"`
	Organization string `json:"organization,omitempty"`
	Email        string `json:"email,omitempty"`
	INN          string `json:"inn,omitempty"`
	INNLE        string `json:"innle,omitempty"`
	OGRN         string `json:"ogrn,omitempty"`
	OGRNIP       string `json:"ogrnip,omitempty"`
	SNILS        string `json:"snils,omitempty"`
}

type certificatesResult struct {
	Certificates []certJSON `json:"certificates"`
}

func (c *conn) certificates(ctx context.Context, req *request) (any, error) {
	var p certificatesParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	match, err := p.Filter.compile()
	if err != nil {
		return nil, err
	}
	all, err := c.s.tokens.Certificates(ctx)
	if err != nil {
		return nil, err
	}
	now := c.s.now()
	out := []certJSON{}
	for _, tc := range all {
		if tc.Cert == nil || !match(tc.Cert, now) {
			continue
		}
		out = append(out, toCertJSON(tc, now))
	}
	return certificatesResult{Certificates: out}, nil
}

func toCertJSON(tc Certificate, now time.Time) certJSON {
	x := tc.Cert
	s := x.Subject
	ku := cert.KeyUsageNames(x.KeyUsage)
	if ku == nil {
		ku = []string{}
	}
	return certJSON{
		ID: tc.ID, Token: tc.TokenID,
		Subject: subjectJSON{
			CommonName: s.CommonName, Surname: s.Surname, GivenName: s.GivenName, Title: s.Title,
			Organization: s.Organization, Email: s.Email,
			INN: s.PersonINN(), INNLE: s.OrganizationINN(), OGRN: s.OGRN, OGRNIP: s.OGRNIP, SNILS: s.SNILS,
		},
		Issuer:       x.Issuer.String(),
		Serial:       hex.EncodeToString(x.SerialNumber.Bytes()),
		NotBefore:    x.NotBefore.UTC(),
		NotAfter:     x.NotAfter.UTC(),
		ValidNow:     x.ValidAt(now) == nil,
		Qualified:    x.Qualified(),
		KeyAlgorithm: x.KeyString(),
		KeyUsage:     ku,
		Certificate:  x.Raw,
		SoftwareKey:  tc.SoftwareKey,
	}
}

var keyUsageBits = map[string]x509.KeyUsage{
	"digitalSignature": x509.KeyUsageDigitalSignature,
	"nonRepudiation":   x509.KeyUsageContentCommitment,
	"keyEncipherment":  x509.KeyUsageKeyEncipherment,
	"dataEncipherment": x509.KeyUsageDataEncipherment,
	"keyAgreement":     x509.KeyUsageKeyAgreement,
}

// compile validates the filter (identifiers with their check digits) and
// returns the predicate.
func (f certFilter) compile() (func(*cert.Certificate, time.Time) bool, error) {
	if f.INN != "" {
		if err := ruid.ValidatePersonINN(f.INN); err != nil {
			return nil, badParams("filter.inn: %v", err)
		}
	}
	if f.INNLE != "" {
		if err := ruid.ValidateINNLE(f.INNLE); err != nil {
			return nil, badParams("filter.innle: %v", err)
		}
	}
	if f.OGRN != "" {
		if err := ruid.ValidateOGRN(f.OGRN); err != nil {
			return nil, badParams("filter.ogrn: %v", err)
		}
	}
	snils := ""
	if f.SNILS != "" {
		n, err := ruid.NormalizeSNILS(f.SNILS)
		if err != nil {
			return nil, badParams("filter.snils: %v", err)
		}
		snils = n
	}
	if len(f.KeyUsage) > 9 {
		return nil, badParams("filter.keyUsage: too many entries")
	}
	var need x509.KeyUsage
	for _, n := range f.KeyUsage {
		bit, ok := keyUsageBits[n]
		if !ok {
			return nil, badParams("filter.keyUsage: unknown usage %q", truncate(n, 32))
		}
		need |= bit
	}
	return func(x *cert.Certificate, now time.Time) bool {
		s := x.Subject
		switch {
		case f.INN != "" && s.PersonINN() != f.INN,
			f.INNLE != "" && s.OrganizationINN() != f.INNLE,
			f.OGRN != "" && s.OGRN != f.OGRN,
			snils != "" && s.SNILS != snils,
			f.Qualified && !x.Qualified(),
			f.ValidNow && x.ValidAt(now) != nil:
			return false
		}
		if need != 0 && x.HasKeyUsage && x.KeyUsage&need != need {
			return false
		}
		return true
	}, nil
}

// findCertificate looks a certificate up by ID.
func (s *Server) findCertificate(ctx context.Context, id string) (Certificate, error) {
	if id == "" || len(id) > 256 {
		return Certificate{}, badParams("certificate must be a certificate id")
	}
	all, err := s.tokens.Certificates(ctx)
	if err != nil {
		return Certificate{}, err
	}
	for _, tc := range all {
		if tc.ID == id && tc.Cert != nil {
			return tc, nil
		}
	}
	return Certificate{}, fmt.Errorf("%w: %q", ErrCertificateNotFound, truncate(id, 64))
}
