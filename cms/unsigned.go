package cms

import (
	"encoding/asn1"
	"fmt"
)

// UnsignedAttribute returns the values of the first unsigned attribute of
// type t.
func (si *SignerInfo) UnsignedAttribute(t asn1.ObjectIdentifier) ([][]byte, bool) {
	return findAttribute(si.UnsignedAttributes, t)
}

// MarshalAttribute returns the DER of an Attribute of type t with the
// given DER values, in the order given.
func MarshalAttribute(t asn1.ObjectIdentifier, values ...[]byte) ([]byte, error) {
	oid, err := asn1.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("%w: attribute type %v", ErrInvalidArgument, t)
	}
	set := 0
	for _, v := range values {
		set += len(v)
	}
	out := make([]byte, 0, tlvLen(len(oid)+tlvLen(set)))
	out = appendTL(out, derSequence, len(oid)+tlvLen(set))
	out = append(out, oid...)
	out = appendTL(out, derSet, set)
	for _, v := range values {
		out = append(out, v...)
	}
	return out, nil
}

// AddUnsignedAttributes returns the signature with attrs (each the DER of
// an Attribute, see MarshalAttribute) added to the unsigned attributes of
// the signer at index (from 0), the whole SET in DER order. Everything else (the signed attributes,
// the signature value, the other signers, the content, certificates and
// revocation data) is copied byte for byte, so every signature stays
// valid. CAdES-T and CAdES-X Long add their attributes this way.
func AddUnsignedAttributes(signature []byte, index int, attrs ...[]byte) ([]byte, error) {
	sd, err := ParseAny(signature)
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= len(sd.SignerInfos) {
		return nil, fmt.Errorf("%w: no signer %d among %d", ErrInvalidArgument, index+1, len(sd.SignerInfos))
	}
	for _, a := range attrs {
		if n, err := parseBER(a); err != nil || !n.is(classUniversal, tagSequence) || len(n.children()) != 2 {
			return nil, fmt.Errorf("%w: an unsigned attribute is not an Attribute", ErrInvalidArgument)
		}
	}
	si, err := withUnsignedAttributes(sd.SignerInfos[index].Raw, attrs)
	if err != nil {
		return nil, err
	}
	parts := &signedParts{
		version: sd.Version,
		encap:   sd.rawEncapContentInfo,
		crls:    sd.rawCRLs,
	}
	parts.digestAlgs = append(parts.digestAlgs, sd.rawDigestAlgorithms...)
	parts.certs = append(parts.certs, sd.rawCertificates...)
	for i, old := range sd.SignerInfos {
		if i == index {
			parts.signerInfos = append(parts.signerInfos, si)
		} else {
			parts.signerInfos = append(parts.signerInfos, old.Raw)
		}
	}
	return parts.marshal()
}

// withUnsignedAttributes re-encodes a SignerInfo with definite lengths
// around its fields, each copied as received, and attrs added to its
// unsignedAttrs.
func withUnsignedAttributes(raw []byte, attrs [][]byte) ([]byte, error) {
	n, err := parseBER(raw)
	if err != nil {
		return nil, err
	}
	var fields [][]byte
	var unsigned [][]byte
	for i := range n.children() {
		c := &n.children()[i]
		if c.is(classContext, 1) {
			for j := range c.children() {
				unsigned = append(unsigned, c.children()[j].raw)
			}
			continue
		}
		fields = append(fields, c.raw)
	}
	unsigned = append(unsigned, attrs...)
	// A SET OF in DER order, as CryptoPro writes it.
	sortDER(unsigned)
	ua := 0
	for _, a := range unsigned {
		ua += len(a)
	}
	body := tlvLen(ua)
	for _, f := range fields {
		body += len(f)
	}
	out := appendTL(make([]byte, 0, tlvLen(body)), derSequence, body)
	for _, f := range fields {
		out = append(out, f...)
	}
	out = appendTL(out, 0xa1, ua)
	for _, a := range unsigned {
		out = append(out, a...)
	}
	return out, nil
}

// oidOCSPRevInfo is id-ri-ocsp-response (RFC 5940): an OCSPResponse in
// the crls field of a SignedData.
var oidOCSPRevInfo = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}

// RevocationData returns the revocation data of the SignedData's crls
// field: the DER of each CRL, and of each OCSPResponse carried as
// id-ri-ocsp-response (RFC 5940). Other formats are skipped.
func (sd *SignedData) RevocationData() (crls, ocsp [][]byte, err error) {
	if sd.rawCRLs == nil {
		return nil, nil, nil
	}
	n, err := parseBER(sd.rawCRLs)
	if err != nil {
		return nil, nil, err
	}
	for i := range n.children() {
		c := &n.children()[i]
		switch {
		case c.is(classUniversal, tagSequence):
			d, err := c.der()
			if err != nil {
				return nil, nil, err
			}
			crls = append(crls, d)
		case c.is(classContext, 1) && len(c.children()) == 2:
			oid, err := nodeOID(&c.children()[0])
			if err != nil || !oid.Equal(oidOCSPRevInfo) {
				continue
			}
			d, err := c.children()[1].der()
			if err != nil {
				return nil, nil, err
			}
			ocsp = append(ocsp, d)
		}
	}
	return crls, ocsp, nil
}
