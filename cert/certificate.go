package cert

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Extension is one certificate extension as found.
type Extension struct {
	ID       asn1.ObjectIdentifier
	Critical bool
	Value    []byte // the content of the extnValue OCTET STRING
}

// Certificate is a parsed X.509 certificate.
type Certificate struct {
	Raw                     []byte // the whole certificate, DER
	RawTBSCertificate       []byte
	RawSubject              []byte
	RawIssuer               []byte
	RawSubjectPublicKeyInfo []byte

	Version      int // 1, 2 or 3
	SerialNumber *big.Int
	Subject      Name
	Issuer       Name
	NotBefore    time.Time
	NotAfter     time.Time

	KeyAlgorithm    KeyAlgorithm
	KeyBits         int                   // 256/512 for GOST, curve bits for ECDSA, modulus bits for RSA
	KeyParamSet     asn1.ObjectIdentifier // GOST publicKeyParamSet (nil otherwise)
	KeyParamSetName string
	// PublicKey is a *gost.PublicKey, *ecdsa.PublicKey or *rsa.PublicKey,
	// or nil when the key cannot be used.
	PublicKey crypto.PublicKey

	SignatureAlgorithm asn1.ObjectIdentifier // outer signatureAlgorithm OID
	Signature          []byte

	KeyUsage              x509.KeyUsage // crypto/x509 bit values
	HasKeyUsage           bool
	ExtKeyUsage           []asn1.ObjectIdentifier
	BasicConstraintsValid bool
	IsCA                  bool
	MaxPathLen            int // -1 when absent
	Policies              []asn1.ObjectIdentifier
	SubjectKeyID          []byte
	AuthorityKeyID        []byte
	SubjectSignTool       string
	IssuerSignTool        []string // signTool, cATool, signToolCert, cAToolCert
	Extensions            []Extension

	// keyErr says why PublicKey is nil.
	keyErr error
	// unhandled lists critical extensions this package does not process.
	unhandled []asn1.ObjectIdentifier
	// thumbs caches the thumbprints (thumbprint.go).
	thumbs *thumbprints
	// printed caches the printed names (printednames.go).
	printed *printedNames
}

// maxCertificateSize bounds the input of Parse; real certificates are a
// few kilobytes.
const maxCertificateSize = 1 << 20

// Parse parses one DER certificate and rejects trailing data. The result
// does not share memory with der.
func Parse(der []byte) (*Certificate, error) {
	if len(der) > maxCertificateSize {
		return nil, fmt.Errorf("%w: %d bytes is too large for a certificate", ErrMalformed, len(der))
	}
	der = append([]byte(nil), der...)
	c := &Certificate{Raw: der, MaxPathLen: -1, thumbs: &thumbprints{}, printed: &printedNames{}}
	if err := c.parse(); err != nil {
		return nil, err
	}
	return c, nil
}

// parse implements RFC 5280 section 4.1:
//
//	Certificate ::= SEQUENCE {
//	    tbsCertificate       TBSCertificate,
//	    signatureAlgorithm   AlgorithmIdentifier,
//	    signatureValue       BIT STRING }
func (c *Certificate) parse() error {
	in := cryptobyte.String(c.Raw)
	var cert, tbs cryptobyte.String
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: not a DER SEQUENCE", ErrMalformed)
	}
	if !in.Empty() {
		return fmt.Errorf("%w: %d bytes of trailing data", ErrMalformed, len(in))
	}
	if !cert.ReadASN1Element(&tbs, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: bad tbsCertificate", ErrMalformed)
	}
	c.RawTBSCertificate = tbs
	outerAlg, outerParams, err := readAlgorithmIdentifier(&cert)
	if err != nil {
		return fmt.Errorf("%w: signatureAlgorithm: %v", ErrMalformed, err)
	}
	c.SignatureAlgorithm = outerAlg
	var sig asn1.BitString
	if !cert.ReadASN1BitString(&sig) {
		return fmt.Errorf("%w: bad signatureValue", ErrMalformed)
	}
	if sig.BitLength%8 != 0 {
		return fmt.Errorf("%w: signatureValue has unused bits", ErrMalformed)
	}
	c.Signature = sig.Bytes
	if !cert.Empty() {
		return fmt.Errorf("%w: trailing data inside the certificate", ErrMalformed)
	}
	return c.parseTBS(tbs, outerAlg, outerParams)
}

// parseTBS implements RFC 5280 section 4.1:
//
//	TBSCertificate ::= SEQUENCE {
//	    version         [0]  EXPLICIT Version DEFAULT v1,
//	    serialNumber         CertificateSerialNumber,
//	    signature            AlgorithmIdentifier,
//	    issuer               Name,
//	    validity             Validity,
//	    subject              Name,
//	    subjectPublicKeyInfo SubjectPublicKeyInfo,
//	    issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
//	    subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
//	    extensions      [3]  EXPLICIT Extensions OPTIONAL }
func (c *Certificate) parseTBS(tbs cryptobyte.String, outerAlg asn1.ObjectIdentifier, outerParams []byte) error {
	var body cryptobyte.String
	if !tbs.ReadASN1(&body, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: bad tbsCertificate", ErrMalformed)
	}
	var version int64
	if !body.ReadOptionalASN1Integer(&version, cbasn1.Tag(0).Constructed().ContextSpecific(), int64(0)) {
		return fmt.Errorf("%w: bad version", ErrMalformed)
	}
	if version < 0 || version > 2 {
		return fmt.Errorf("%w: version %d", ErrMalformed, version+1)
	}
	c.Version = int(version) + 1

	serial := new(big.Int)
	if !body.ReadASN1Integer(serial) {
		return fmt.Errorf("%w: bad serial number", ErrMalformed)
	}
	c.SerialNumber = serial

	innerAlg, innerParams, err := readAlgorithmIdentifier(&body)
	if err != nil {
		return fmt.Errorf("%w: signature: %v", ErrMalformed, err)
	}
	// RFC 5280, 4.1.1.2: the outer signatureAlgorithm must be identical to
	// the signed one, parameters included. Only the inner one is covered by
	// the signature, so a difference means the certificate was altered.
	if !innerAlg.Equal(outerAlg) {
		return fmt.Errorf("%w: signature algorithm %s inside differs from %s outside", ErrMalformed, innerAlg, outerAlg)
	}
	if !bytes.Equal(innerParams, outerParams) {
		return fmt.Errorf("%w: signature algorithm parameters inside (%x) differ from those outside (%x)", ErrMalformed, innerParams, outerParams)
	}

	var issuer, validity, subject, spki cryptobyte.String
	if !body.ReadASN1Element(&issuer, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: bad issuer", ErrMalformed)
	}
	c.RawIssuer = issuer
	if c.Issuer, err = parseName(issuer); err != nil {
		return fmt.Errorf("issuer: %w", err)
	}
	if !body.ReadASN1(&validity, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: bad validity", ErrMalformed)
	}
	if c.NotBefore, err = readTime(&validity); err != nil {
		return fmt.Errorf("%w: notBefore: %v", ErrMalformed, err)
	}
	if c.NotAfter, err = readTime(&validity); err != nil {
		return fmt.Errorf("%w: notAfter: %v", ErrMalformed, err)
	}
	if !validity.Empty() {
		return fmt.Errorf("%w: trailing data in validity", ErrMalformed)
	}
	if !body.ReadASN1Element(&subject, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: bad subject", ErrMalformed)
	}
	c.RawSubject = subject
	if c.Subject, err = parseName(subject); err != nil {
		return fmt.Errorf("subject: %w", err)
	}
	if !body.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: bad subjectPublicKeyInfo", ErrMalformed)
	}
	c.RawSubjectPublicKeyInfo = spki
	if err := c.parseSPKI(spki); err != nil {
		return err
	}

	for _, tag := range []cbasn1.Tag{cbasn1.Tag(1).ContextSpecific(), cbasn1.Tag(2).ContextSpecific()} {
		var present bool
		var uid cryptobyte.String
		if !body.ReadOptionalASN1(&uid, &present, tag) {
			return fmt.Errorf("%w: bad unique identifier", ErrMalformed)
		}
		if present && c.Version < 2 {
			return fmt.Errorf("%w: unique identifier in a version %d certificate", ErrMalformed, c.Version)
		}
	}

	var exts cryptobyte.String
	var present bool
	if !body.ReadOptionalASN1(&exts, &present, cbasn1.Tag(3).Constructed().ContextSpecific()) {
		return fmt.Errorf("%w: bad extensions", ErrMalformed)
	}
	if present {
		if c.Version != 3 {
			return fmt.Errorf("%w: extensions in a version %d certificate", ErrMalformed, c.Version)
		}
		if err := c.parseExtensions(exts); err != nil {
			return err
		}
	}
	if !body.Empty() {
		return fmt.Errorf("%w: trailing data in tbsCertificate", ErrMalformed)
	}
	return nil
}

// parseSPKI reads SubjectPublicKeyInfo ::= SEQUENCE { algorithm
// AlgorithmIdentifier, subjectPublicKey BIT STRING }.
func (c *Certificate) parseSPKI(spki cryptobyte.String) error {
	var body cryptobyte.String
	if !spki.ReadASN1(&body, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: bad subjectPublicKeyInfo", ErrMalformed)
	}
	alg, params, err := readAlgorithmIdentifier(&body)
	if err != nil {
		return fmt.Errorf("%w: public key algorithm: %v", ErrMalformed, err)
	}
	var key asn1.BitString
	if !body.ReadASN1BitString(&key) || !body.Empty() {
		return fmt.Errorf("%w: bad subjectPublicKey", ErrMalformed)
	}
	return c.parseKey(alg, params, key)
}

// readAlgorithmIdentifier reads AlgorithmIdentifier ::= SEQUENCE {
// algorithm OID, parameters ANY OPTIONAL } and returns the DER of the
// parameters, nil when absent (an explicit NULL is returned as 05 00).
func readAlgorithmIdentifier(in *cryptobyte.String) (asn1.ObjectIdentifier, []byte, error) {
	var seq cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !readOID(&seq, &oid) {
		return nil, nil, fmt.Errorf("not SEQUENCE { OID ... }")
	}
	if seq.Empty() {
		return oid, nil, nil
	}
	var params cryptobyte.String
	var tag cbasn1.Tag
	if !seq.ReadAnyASN1Element(&params, &tag) || !seq.Empty() {
		return nil, nil, fmt.Errorf("bad parameters")
	}
	return oid, params, nil
}

// readTime reads Time ::= CHOICE { utcTime UTCTime, generalTime
// GeneralizedTime }.
func readTime(in *cryptobyte.String) (time.Time, error) {
	var t time.Time
	switch {
	case in.PeekASN1Tag(cbasn1.UTCTime):
		if !in.ReadASN1UTCTime(&t) {
			return t, fmt.Errorf("bad UTCTime")
		}
	case in.PeekASN1Tag(cbasn1.GeneralizedTime):
		if !in.ReadASN1GeneralizedTime(&t) {
			return t, fmt.Errorf("bad GeneralizedTime")
		}
	default:
		return t, fmt.Errorf("not a time")
	}
	return t.UTC(), nil
}
