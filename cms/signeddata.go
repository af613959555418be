package cms

import (
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"time"
)

// AlgorithmIdentifier is an X.509 AlgorithmIdentifier as received.
type AlgorithmIdentifier struct {
	Algorithm asn1.ObjectIdentifier
	// Parameters is the DER of the parameters, nil when absent. An
	// explicit NULL (05 00) is kept as such.
	Parameters []byte
}

// Attribute is one CMS attribute: a type and the DER of each value.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// SignedData is a parsed CMS SignedData (RFC 5652 section 5) inside its
// ContentInfo. Slices point into the input given to Parse.
type SignedData struct {
	// Raw is the whole ContentInfo as parsed.
	Raw     []byte
	Version int
	// DigestAlgorithms lists the digestAlgorithms field.
	DigestAlgorithms []AlgorithmIdentifier
	// ContentType is the eContentType: id-data for documents, another
	// type for protocol messages such as a login (see package login),
	// whose OIDs may have arcs too large for an asn1.ObjectIdentifier.
	ContentType x509.OID
	// Detached is true when the signature carries no eContent.
	Detached bool
	// Content is the eContent (segments of a BER constructed OCTET STRING
	// joined), nil when detached.
	Content []byte
	// Certificates holds the DER of every X.509 certificate in the
	// certificates field; other certificate choices are skipped.
	Certificates [][]byte
	// SignerInfos lists the signers in the order received.
	SignerInfos []*SignerInfo

	// Verbatim parts for co-signing.
	rawDigestAlgorithms [][]byte
	rawEncapContentInfo []byte
	rawCertificates     [][]byte // every CertificateChoices element, as received
	rawCRLs             []byte   // the whole [1] field, as received
}

// SignerInfo is one signer (RFC 5652 section 5.3).
type SignerInfo struct {
	// Raw is the SignerInfo exactly as received, BER or DER.
	Raw     []byte
	Version int
	// IssuerAndSerialNumber identifies the certificate (version 1);
	// RawIssuer is the DER of the issuer Name.
	RawIssuer    []byte
	SerialNumber *big.Int
	// SubjectKeyID identifies the certificate instead (version 3).
	SubjectKeyID []byte

	DigestAlgorithm AlgorithmIdentifier
	// SignedAttributes is nil when the signer signed the content's hash
	// directly.
	SignedAttributes   []Attribute
	SignatureAlgorithm AlgorithmIdentifier
	Signature          []byte
	UnsignedAttributes []Attribute

	// signedAttrsDER is the DER of the signed attributes with the SET OF
	// tag, the bytes the signature covers.
	signedAttrsDER []byte
}

// SignedAttributesDER returns the bytes the signature covers when signed
// attributes are present: their DER with the SET OF tag (0x31), as RFC 5652
// section 5.4 requires, or nil.
func (si *SignerInfo) SignedAttributesDER() []byte { return si.signedAttrsDER }

// Attribute returns the values of the first signed attribute of type t.
func (si *SignerInfo) Attribute(t asn1.ObjectIdentifier) ([][]byte, bool) {
	return findAttribute(si.SignedAttributes, t)
}

func findAttribute(attrs []Attribute, t asn1.ObjectIdentifier) ([][]byte, bool) {
	for _, a := range attrs {
		if a.Type.Equal(t) {
			return a.Values, true
		}
	}
	return nil, false
}

// SigningTime returns the signingTime attribute, if present and
// well-formed.
func (si *SignerInfo) SigningTime() (time.Time, bool, error) {
	vals, ok := si.Attribute(oidAttrSigningTime)
	if !ok {
		return time.Time{}, false, nil
	}
	if len(vals) != 1 {
		return time.Time{}, false, malformed("signingTime holds %d values", len(vals))
	}
	t, err := parseTime(vals[0])
	if err != nil {
		return time.Time{}, false, err
	}
	return t, true, nil
}

// MessageDigest returns the messageDigest attribute, if present.
func (si *SignerInfo) MessageDigest() ([]byte, bool, error) {
	vals, ok := si.Attribute(oidAttrMessageDigest)
	if !ok {
		return nil, false, nil
	}
	if len(vals) != 1 {
		return nil, false, malformed("messageDigest holds %d values", len(vals))
	}
	n, err := parseBER(vals[0])
	if err != nil {
		return nil, false, err
	}
	if !n.is(classUniversal, tagOctetString) {
		return nil, false, malformed("messageDigest is not an OCTET STRING")
	}
	d, err := n.stringBytes()
	return d, true, err
}
