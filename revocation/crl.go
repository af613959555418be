package revocation

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/zavera/zavera/cert"
)

// CRL is a parsed certificate revocation list.
type CRL struct {
	// Raw is the CRL's DER.
	Raw       []byte
	RawIssuer []byte
	// ThisUpdate and NextUpdate bound the list; NextUpdate is zero when
	// absent.
	ThisUpdate, NextUpdate time.Time
	Number                 *big.Int
	AuthorityKeyID         []byte

	list *x509.RevocationList
}

// ParseCRL parses one DER or PEM CRL. The signature is not checked: see
// CheckSignatureFrom.
func ParseCRL(data []byte) (*CRL, error) {
	der := pemOrDER(data, "X509 CRL")
	l, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return &CRL{Raw: bytes.Clone(der), RawIssuer: l.RawIssuer, ThisUpdate: l.ThisUpdate.UTC(), NextUpdate: l.NextUpdate.UTC(),
		Number: l.Number, AuthorityKeyID: l.AuthorityKeyId, list: l}, nil
}

// signatureAlgorithm returns the OID of the CRL's signature algorithm.
func (c *CRL) signatureAlgorithm() (asn1.ObjectIdentifier, error) {
	var outer struct {
		TBS    asn1.RawValue
		SigAlg struct {
			Algorithm asn1.ObjectIdentifier
			Params    asn1.RawValue `asn1:"optional"`
		}
		Sig asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.Raw, &outer); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return outer.SigAlg.Algorithm, nil
}

// Issued reports whether the CRL names issuer as its issuer.
func (c *CRL) Issued(issuer *cert.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, issuer.RawSubject) {
		return false
	}
	return c.AuthorityKeyID == nil || issuer.SubjectKeyID == nil || bytes.Equal(c.AuthorityKeyID, issuer.SubjectKeyID)
}

// CheckSignatureFrom checks the CRL's signature with issuer's key.
func (c *CRL) CheckSignatureFrom(issuer *cert.Certificate) error {
	alg, err := c.signatureAlgorithm()
	if err != nil {
		return err
	}
	if err := cert.CheckSignature(alg, c.list.RawTBSRevocationList, c.list.Signature, issuer); err != nil {
		return fmt.Errorf("%w: CRL of %s: %w", ErrSignature, issuer.Subject, err)
	}
	return nil
}

// Lookup returns the revocation of serial, if listed.
func (c *CRL) Lookup(serial *big.Int) (at time.Time, reason int, revoked bool) {
	for _, e := range c.list.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(serial) == 0 {
			return e.RevocationTime.UTC(), e.ReasonCode, true
		}
	}
	return time.Time{}, 0, false
}
