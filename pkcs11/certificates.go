package pkcs11

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	p11 "github.com/miekg/pkcs11"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost/streebog"
)

// KeyState says whether a certificate's private key was seen on the token.
type KeyState int

const (
	// KeyMissing: no private key on the token matches the certificate.
	KeyMissing KeyState = iota
	// KeyPresent: the private key was found.
	KeyPresent
	// KeyAfterLogin: the token hides private keys until login; a public
	// key object or the certificate's own CKA_ID says one is likely.
	KeyAfterLogin
)

func (k KeyState) String() string {
	switch k {
	case KeyPresent:
		return "present"
	case KeyAfterLogin:
		return "after login"
	}
	return "missing"
}

// Certificate is an X.509 certificate found on a token.
type Certificate struct {
	// ID is the stable identifier of the certificate: hex of the first
	// 16 bytes of Streebog-256 over its DER. It does not depend on the
	// slot, the module or the session, so pages can keep it.
	ID    string
	Token Token
	Label string
	// KeyID is the CKA_ID that pairs the certificate with its key.
	KeyID []byte
	Key   KeyState
	Cert  *cert.Certificate
}

// CertificateID computes the stable identifier of a DER certificate.
func CertificateID(der []byte) string {
	sum := streebog.Sum256(der)
	return hex.EncodeToString(sum[:16])
}

// listCertificates reads every X.509 certificate on the token, parses it
// and pairs it with its key. Certificates that do not parse are skipped:
// tokens carry odd objects and one of them must not hide the others.
// The caller holds the token lock.
func (s *session) listCertificates() ([]*Certificate, error) {
	hs, err := s.findAll(certTemplate())
	if err != nil {
		return nil, err
	}
	s.t.certHandles = handlesKey(hs)
	var certs []*Certificate
	for _, h := range hs {
		a, err := s.attrs(h, p11.CKA_VALUE, p11.CKA_ID, p11.CKA_LABEL)
		if err != nil {
			return nil, err
		}
		c, err := cert.Parse(a[p11.CKA_VALUE])
		if err != nil {
			continue
		}
		certs = append(certs, &Certificate{
			ID:    CertificateID(c.Raw),
			Token: s.t.info,
			Label: string(a[p11.CKA_LABEL]),
			KeyID: append([]byte(nil), a[p11.CKA_ID]...),
			Cert:  c,
		})
	}
	if len(certs) == 0 {
		return nil, nil
	}
	if err := s.pairKeys(certs); err != nil {
		return nil, err
	}
	sort.Slice(certs, func(i, j int) bool { return certs[i].ID < certs[j].ID })
	return certs, nil
}

type keyObject struct {
	id    []byte
	value map[uint][]byte
}

// pairKeys sets Key (and KeyID where the certificate has none) from the
// key objects visible in this session.
func (s *session) pairKeys(certs []*Certificate) error {
	read := func(class uint) ([]keyObject, error) {
		hs, err := s.findAll([]*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, class)})
		if err != nil {
			return nil, err
		}
		var out []keyObject
		for _, h := range hs {
			a, err := s.attrs(h, p11.CKA_ID, p11.CKA_EC_POINT, p11.CKA_MODULUS, p11.CKA_VALUE)
			if err != nil {
				return nil, err
			}
			out = append(out, keyObject{id: a[p11.CKA_ID], value: a})
		}
		return out, nil
	}
	privs, err := read(p11.CKO_PRIVATE_KEY)
	if err != nil {
		return err
	}
	pubs, err := read(p11.CKO_PUBLIC_KEY)
	if err != nil {
		return err
	}
	matches := func(c *Certificate, k keyObject) bool {
		if len(c.KeyID) > 0 && bytes.Equal(k.id, c.KeyID) {
			return true
		}
		attr, _ := publicKeyValue(c.Cert.PublicKey)
		return attr != 0 && publicMatches(c.Cert.PublicKey, attr, k.value[attr])
	}
	hidden := s.t.info.PIN.LoginRequired && !s.t.loggedIn
	for _, c := range certs {
		var pubID []byte
		pubFound := false
		for _, k := range pubs {
			if matches(c, k) {
				pubID, pubFound = k.id, true
				break
			}
		}
		if len(c.KeyID) == 0 {
			c.KeyID = append([]byte(nil), pubID...)
		}
		for _, k := range privs {
			if matches(c, k) || (len(pubID) > 0 && bytes.Equal(k.id, pubID)) {
				c.Key = KeyPresent
				if len(c.KeyID) == 0 {
					c.KeyID = append([]byte(nil), k.id...)
				}
				break
			}
		}
		if c.Key == KeyMissing && hidden && (len(c.KeyID) > 0 || pubFound) {
			c.Key = KeyAfterLogin
		}
	}
	return nil
}

func certTemplate() []*p11.Attribute {
	return []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_CERTIFICATE),
		p11.NewAttribute(p11.CKA_CERTIFICATE_TYPE, p11.CKC_X_509),
	}
}

// handlesKey summarises a list of object handles ("" never: an empty
// list gives "-").
func handlesKey(hs []p11.ObjectHandle) string {
	var b strings.Builder
	b.WriteString("-")
	for _, h := range hs {
		fmt.Fprintf(&b, "%x-", uint(h))
	}
	return b.String()
}

// certSetKey summarises a certificate list for change detection.
func certSetKey(certs []*Certificate) string {
	ids := make([]string, len(certs))
	for i, c := range certs {
		ids[i] = c.ID
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}
