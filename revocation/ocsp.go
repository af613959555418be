package revocation

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/zavera/zavera/cert"
)

var (
	oidSHA1        = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidOCSPBasic   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidOCSPNonce   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidOCSPSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}
	oidAccessOCSP  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1}
	oidExtAIA      = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	oidExtCRLDP    = asn1.ObjectIdentifier{2, 5, 29, 31}
)

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// certID is RFC 6960's CertID.
type certID struct {
	HashAlgorithm  algorithmIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
}

type extension struct {
	ID       asn1.ObjectIdentifier
	Critical bool `asn1:"optional"`
	Value    []byte
}

type ocspRequest struct {
	TBS tbsRequest
}

type tbsRequest struct {
	RequestList []singleRequest
	Extensions  []extension `asn1:"explicit,tag:2,optional"`
}

type singleRequest struct {
	Cert certID
}

type ocspResponse struct {
	Status asn1.Enumerated
	Bytes  responseBytes `asn1:"explicit,tag:0,optional"`
}

type responseBytes struct {
	Type     asn1.ObjectIdentifier
	Response []byte
}

type basicResponse struct {
	TBS       asn1.RawValue
	SigAlg    algorithmIdentifier
	Signature asn1.BitString
	Certs     []asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type responseData struct {
	Version     int `asn1:"optional,explicit,default:0,tag:0"`
	ResponderID asn1.RawValue
	ProducedAt  time.Time `asn1:"generalized"`
	Responses   []singleResponse
	Extensions  []extension `asn1:"explicit,tag:1,optional"`
}

type singleResponse struct {
	Cert       certID
	Status     asn1.RawValue
	ThisUpdate time.Time   `asn1:"generalized"`
	NextUpdate time.Time   `asn1:"generalized,explicit,tag:0,optional"`
	Extensions []extension `asn1:"explicit,tag:1,optional"`
}

type revokedInfo struct {
	RevocationTime time.Time       `asn1:"generalized"`
	Reason         asn1.Enumerated `asn1:"explicit,tag:0,optional"`
}

// OCSP certificate statuses.
const (
	OCSPGood    = 0
	OCSPRevoked = 1
	OCSPUnknown = 2
)

// OCSPResponse is a parsed OCSP response about one certificate.
type OCSPResponse struct {
	// Raw is the whole OCSPResponse, DER.
	Raw []byte
	// RawBasic is the BasicOCSPResponse, as CAdES revocation-values holds
	// it.
	RawBasic   []byte
	ProducedAt time.Time
	Status     int // OCSPGood, OCSPRevoked, OCSPUnknown
	RevokedAt  time.Time
	Reason     int
	ThisUpdate time.Time
	NextUpdate time.Time
	// Nonce is the nonce extension's value, nil when absent.
	Nonce []byte
	// Certificates are those the response carries.
	Certificates []*cert.Certificate

	tbs         []byte
	sigAlg      asn1.ObjectIdentifier
	signature   []byte
	responderID asn1.RawValue
	id          certID
}

// newCertID identifies c, issued by issuer, with SHA-1 as RFC 6960
// requires every responder to accept.
func newCertID(c, issuer *cert.Certificate) (certID, error) {
	key, err := subjectPublicKey(issuer)
	if err != nil {
		return certID{}, err
	}
	nh := sha1.Sum(issuer.RawSubject)
	kh := sha1.Sum(key)
	return certID{HashAlgorithm: algorithmIdentifier{Algorithm: oidSHA1, Parameters: asn1.NullRawValue},
		IssuerNameHash: nh[:], IssuerKeyHash: kh[:], SerialNumber: c.SerialNumber}, nil
}

// subjectPublicKey returns the bits of a certificate's public key.
func subjectPublicKey(c *cert.Certificate) ([]byte, error) {
	var spki struct {
		Alg asn1.RawValue
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, fmt.Errorf("%w: subject public key info: %w", ErrMalformed, err)
	}
	return spki.Key.Bytes, nil
}

// NewOCSPRequest returns the DER of a request about c with a random
// nonce, and the nonce.
func NewOCSPRequest(c, issuer *cert.Certificate) (der, nonce []byte, err error) {
	id, err := newCertID(c, issuer)
	if err != nil {
		return nil, nil, err
	}
	nonce = make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	nv, _ := asn1.Marshal(nonce)
	der, err = asn1.Marshal(ocspRequest{TBS: tbsRequest{RequestList: []singleRequest{{Cert: id}},
		Extensions: []extension{{ID: oidOCSPNonce, Value: nv}}}})
	return der, nonce, err
}

// ParseOCSPResponse parses an OCSPResponse holding a basic response. The
// signature is not checked: see CheckFor.
func ParseOCSPResponse(der []byte) (*OCSPResponse, error) {
	var resp ocspResponse
	if rest, err := asn1.Unmarshal(der, &resp); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: OCSPResponse: %v", ErrMalformed, err)
	}
	if resp.Status != 0 {
		return nil, fmt.Errorf("%w: OCSP responder status %d", ErrUnavailable, resp.Status)
	}
	if !resp.Bytes.Type.Equal(oidOCSPBasic) {
		return nil, fmt.Errorf("%w: OCSP response type %v", ErrMalformed, resp.Bytes.Type)
	}
	r, err := ParseBasicOCSPResponse(resp.Bytes.Response)
	if err != nil {
		return nil, err
	}
	r.Raw = bytes.Clone(der)
	return r, nil
}

// ParseBasicOCSPResponse parses a BasicOCSPResponse, as CAdES
// revocation-values carries it.
func ParseBasicOCSPResponse(der []byte) (*OCSPResponse, error) {
	var basic basicResponse
	if rest, err := asn1.Unmarshal(der, &basic); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: BasicOCSPResponse: %v", ErrMalformed, err)
	}
	var data responseData
	if rest, err := asn1.Unmarshal(basic.TBS.FullBytes, &data); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: ResponseData: %v", ErrMalformed, err)
	}
	if len(data.Responses) != 1 {
		return nil, fmt.Errorf("%w: %d responses, one expected", ErrMalformed, len(data.Responses))
	}
	sr := data.Responses[0]
	r := &OCSPResponse{RawBasic: bytes.Clone(der), ProducedAt: data.ProducedAt.UTC(), ThisUpdate: sr.ThisUpdate.UTC(),
		NextUpdate: sr.NextUpdate.UTC(), tbs: basic.TBS.FullBytes, sigAlg: basic.SigAlg.Algorithm,
		signature: basic.Signature.Bytes, responderID: data.ResponderID, id: sr.Cert}
	if sr.NextUpdate.IsZero() {
		r.NextUpdate = time.Time{}
	}
	switch {
	case sr.Status.Class == asn1.ClassContextSpecific && sr.Status.Tag == 0:
		r.Status = OCSPGood
	case sr.Status.Class == asn1.ClassContextSpecific && sr.Status.Tag == 1:
		r.Status = OCSPRevoked
		var ri revokedInfo
		full := append([]byte{0x30}, sr.Status.FullBytes[1:]...)
		if _, err := asn1.Unmarshal(full, &ri); err != nil {
			return nil, fmt.Errorf("%w: RevokedInfo: %v", ErrMalformed, err)
		}
		r.RevokedAt, r.Reason = ri.RevocationTime.UTC(), int(ri.Reason)
	case sr.Status.Class == asn1.ClassContextSpecific && sr.Status.Tag == 2:
		r.Status = OCSPUnknown
	default:
		return nil, fmt.Errorf("%w: certStatus", ErrMalformed)
	}
	for _, e := range data.Extensions {
		if e.ID.Equal(oidOCSPNonce) {
			var n []byte
			if _, err := asn1.Unmarshal(e.Value, &n); err != nil {
				n = e.Value
			}
			r.Nonce = n
		}
	}
	for _, raw := range basic.Certs {
		c, err := cert.Parse(raw.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("%w: responder certificate: %w", ErrMalformed, err)
		}
		r.Certificates = append(r.Certificates, c)
	}
	return r, nil
}

// About reports whether the response is about c issued by issuer.
func (r *OCSPResponse) About(c, issuer *cert.Certificate) bool {
	if r.id.SerialNumber == nil || r.id.SerialNumber.Cmp(c.SerialNumber) != 0 {
		return false
	}
	if !r.id.HashAlgorithm.Algorithm.Equal(oidSHA1) {
		// Other hashes: the serial and the signature by the issuer's
		// responder are what counts.
		return true
	}
	want, err := newCertID(c, issuer)
	return err == nil && bytes.Equal(want.IssuerNameHash, r.id.IssuerNameHash) && bytes.Equal(want.IssuerKeyHash, r.id.IssuerKeyHash)
}

// CheckFor checks the response's signature: by issuer itself, or by a
// responder certificate the response carries (or one of extra), issued by
// issuer with the OCSPSigning extended key usage and valid at the
// response's time. It returns the certificate that signed.
func (r *OCSPResponse) CheckFor(issuer *cert.Certificate, extra ...*cert.Certificate) (*cert.Certificate, error) {
	return r.checkFor(issuer, nil, extra)
}

// checkFor is CheckFor checking a delegated responder's certificate
// through memo (nil for none).
func (r *OCSPResponse) checkFor(issuer *cert.Certificate, memo *cert.Memo, extra []*cert.Certificate) (*cert.Certificate, error) {
	candidates := append(append([]*cert.Certificate{issuer}, r.Certificates...), extra...)
	for _, c := range candidates {
		if !r.namesResponder(c) {
			continue
		}
		if err := cert.CheckSignature(r.sigAlg, r.tbs, r.signature, c); err != nil {
			return nil, fmt.Errorf("%w: OCSP response: %w", ErrSignature, err)
		}
		if c == issuer || bytes.Equal(c.Raw, issuer.Raw) {
			return c, nil
		}
		if err := memo.CheckSignatureFrom(c, issuer); err != nil {
			return nil, fmt.Errorf("%w: OCSP responder certificate: %w", ErrSignature, err)
		}
		if !hasEKU(c, oidOCSPSigning) {
			return nil, fmt.Errorf("%w: the OCSP responder %s lacks the OCSPSigning usage", ErrSignature, c.Subject)
		}
		if err := c.ValidAt(r.ProducedAt); err != nil {
			return nil, fmt.Errorf("%w: OCSP responder certificate: %w", ErrSignature, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("%w: the OCSP response is signed by none of the issuer or its responders", ErrSignature)
}

// namesResponder reports whether the responderID names c.
func (r *OCSPResponse) namesResponder(c *cert.Certificate) bool {
	id := r.responderID
	switch {
	case id.Class == asn1.ClassContextSpecific && id.Tag == 1:
		return bytes.Equal(id.Bytes, c.RawSubject)
	case id.Class == asn1.ClassContextSpecific && id.Tag == 2:
		var kh []byte
		if _, err := asn1.Unmarshal(id.Bytes, &kh); err != nil {
			return false
		}
		key, err := subjectPublicKey(c)
		if err != nil {
			return false
		}
		sum := sha1.Sum(key)
		return bytes.Equal(kh, sum[:])
	}
	return false
}

func hasEKU(c *cert.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.ExtKeyUsage {
		if e.Equal(oid) {
			return true
		}
	}
	return false
}

// ResponderID returns the DER of the response's ResponderID, as CAdES
// complete-revocation-references names the response by.
func (r *OCSPResponse) ResponderID() asn1.RawValue {
	return asn1.RawValue{FullBytes: r.responderID.FullBytes}
}
