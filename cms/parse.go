package cms

import (
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Parse parses a ContentInfo holding a SignedData, in BER (indefinite
// lengths, constructed strings, as CryptoPro writes it) or DER. It checks
// the structure only; Verify checks the signatures. The returned value
// points into data.
func Parse(data []byte) (*SignedData, error) {
	root, err := parseBER(data)
	if err != nil {
		return nil, err
	}
	if !root.is(classUniversal, tagSequence) || !root.constructed || len(root.children()) < 1 {
		return nil, malformed("ContentInfo is not a SEQUENCE")
	}
	ct, err := nodeOID(&root.children()[0])
	if err != nil {
		return nil, malformed("contentType: %v", err)
	}
	if !ct.Equal(oidSignedData) {
		return nil, malformed("content type %v is not signedData", ct)
	}
	if len(root.children()) != 2 {
		return nil, malformed("ContentInfo has %d fields, want 2", len(root.children()))
	}
	wrap := &root.children()[1]
	if !wrap.is(classContext, 0) || !wrap.constructed || len(wrap.children()) != 1 {
		return nil, malformed("ContentInfo content is not [0] EXPLICIT")
	}
	sd, err := parseSignedData(&wrap.children()[0])
	if err != nil {
		return nil, err
	}
	sd.Raw = root.raw
	return sd, nil
}

func parseSignedData(n *node) (*SignedData, error) {
	if !n.is(classUniversal, tagSequence) || !n.constructed {
		return nil, malformed("SignedData is not a SEQUENCE")
	}
	f := fields{list: n.children()}
	sd := &SignedData{}
	var err error
	v := f.next()
	if v == nil {
		return nil, malformed("SignedData is empty")
	}
	if sd.Version, err = nodeSmallInt(v); err != nil {
		return nil, malformed("SignedData version: %v", err)
	}
	// RFC 5652 section 5.1: versions 1, 3, 4 and 5 exist.
	if sd.Version != 1 && (sd.Version < 3 || sd.Version > 5) {
		return nil, malformed("SignedData version %d", sd.Version)
	}
	algs := f.next()
	if algs == nil || !algs.is(classUniversal, tagSet) || !algs.constructed {
		return nil, malformed("digestAlgorithms is not a SET")
	}
	for i := range algs.children() {
		a, err := parseAlgorithm(&algs.children()[i])
		if err != nil {
			return nil, malformed("digestAlgorithms: %v", err)
		}
		sd.DigestAlgorithms = append(sd.DigestAlgorithms, a)
		sd.rawDigestAlgorithms = append(sd.rawDigestAlgorithms, algs.children()[i].raw)
	}
	eci := f.next()
	if eci == nil {
		return nil, malformed("missing encapContentInfo")
	}
	if err := sd.parseEncap(eci); err != nil {
		return nil, err
	}
	if c := f.optional(classContext, 0); c != nil {
		if !c.constructed {
			return nil, malformed("certificates is not constructed")
		}
		for i := range c.children() {
			ch := &c.children()[i]
			sd.rawCertificates = append(sd.rawCertificates, ch.raw)
			if ch.is(classUniversal, tagSequence) {
				d, err := ch.der()
				if err != nil {
					return nil, err
				}
				sd.Certificates = append(sd.Certificates, d)
			}
		}
	}
	if c := f.optional(classContext, 1); c != nil {
		sd.rawCRLs = c.raw
	}
	sis := f.next()
	if sis == nil || !sis.is(classUniversal, tagSet) || !sis.constructed {
		return nil, malformed("signerInfos is not a SET")
	}
	if f.next() != nil {
		return nil, malformed("unexpected field after signerInfos")
	}
	for i := range sis.children() {
		si, err := parseSignerInfo(&sis.children()[i])
		if err != nil {
			return nil, malformed("signer %d: %v", i+1, err)
		}
		if !sd.listsDigest(si.DigestAlgorithm.Algorithm) {
			return nil, malformed("signer %d: digest %v is not among digestAlgorithms", i+1, si.DigestAlgorithm.Algorithm)
		}
		sd.SignerInfos = append(sd.SignerInfos, si)
	}
	return sd, nil
}

func (sd *SignedData) listsDigest(oid asn1.ObjectIdentifier) bool {
	for _, a := range sd.DigestAlgorithms {
		if a.Algorithm.Equal(oid) {
			return true
		}
	}
	return false
}

func (sd *SignedData) parseEncap(eci *node) error {
	if !eci.is(classUniversal, tagSequence) || !eci.constructed || len(eci.children()) < 1 || len(eci.children()) > 2 {
		return malformed("encapContentInfo is not a SEQUENCE of 1 or 2 fields")
	}
	sd.rawEncapContentInfo = eci.raw
	var err error
	if sd.ContentType, err = nodeAnyOID(&eci.children()[0]); err != nil {
		return malformed("eContentType: %v", err)
	}
	if len(eci.children()) == 1 {
		sd.Detached = true
		return nil
	}
	w := &eci.children()[1]
	if !w.is(classContext, 0) || !w.constructed || len(w.children()) != 1 {
		return malformed("eContent is not [0] EXPLICIT")
	}
	oc := &w.children()[0]
	if !oc.is(classUniversal, tagOctetString) {
		return malformed("eContent is not an OCTET STRING")
	}
	content, err := oc.stringBytes()
	if err != nil {
		return err
	}
	if content == nil {
		content = []byte{}
	}
	sd.Content = content
	return nil
}

func parseSignerInfo(n *node) (*SignerInfo, error) {
	if !n.is(classUniversal, tagSequence) || !n.constructed {
		return nil, malformed("SignerInfo is not a SEQUENCE")
	}
	si := &SignerInfo{Raw: n.raw}
	f := fields{list: n.children()}
	var err error
	v := f.next()
	if v == nil {
		return nil, malformed("SignerInfo is empty")
	}
	if si.Version, err = nodeSmallInt(v); err != nil {
		return nil, malformed("version: %v", err)
	}
	sid := f.next()
	// RFC 5652 section 5.3: version 1 goes with issuerAndSerialNumber,
	// version 3 with subjectKeyIdentifier.
	switch {
	case sid == nil:
		return nil, malformed("missing sid")
	case sid.is(classUniversal, tagSequence) && sid.constructed:
		if len(sid.children()) != 2 || !sid.children()[0].is(classUniversal, tagSequence) {
			return nil, malformed("issuerAndSerialNumber is malformed")
		}
		if si.Version != 1 {
			return nil, malformed("version %d with issuerAndSerialNumber", si.Version)
		}
		if si.RawIssuer, err = sid.children()[0].der(); err != nil {
			return nil, err
		}
		if si.SerialNumber, err = nodeInteger(&sid.children()[1]); err != nil {
			return nil, malformed("serialNumber: %v", err)
		}
	case sid.is(classContext, 0):
		if si.Version != 3 {
			return nil, malformed("version %d with subjectKeyIdentifier", si.Version)
		}
		if si.SubjectKeyID, err = sid.stringBytesImplicit(); err != nil {
			return nil, err
		}
	default:
		return nil, malformed("sid is neither issuerAndSerialNumber nor subjectKeyIdentifier")
	}
	da := f.next()
	if da == nil {
		return nil, malformed("missing digestAlgorithm")
	}
	if si.DigestAlgorithm, err = parseAlgorithm(da); err != nil {
		return nil, malformed("digestAlgorithm: %v", err)
	}
	if sa := f.optional(classContext, 0); sa != nil {
		if !sa.constructed {
			return nil, malformed("signedAttrs is not constructed")
		}
		if si.SignedAttributes, err = parseAttributes(sa); err != nil {
			return nil, malformed("signedAttrs: %v", err)
		}
		if len(si.SignedAttributes) == 0 {
			return nil, malformed("signedAttrs is empty")
		}
		if si.signedAttrsDER, err = sa.derAs(classUniversal, tagSet); err != nil {
			return nil, err
		}
	}
	sa := f.next()
	if sa == nil {
		return nil, malformed("missing signatureAlgorithm")
	}
	if si.SignatureAlgorithm, err = parseAlgorithm(sa); err != nil {
		return nil, malformed("signatureAlgorithm: %v", err)
	}
	sig := f.next()
	if sig == nil || !sig.is(classUniversal, tagOctetString) {
		return nil, malformed("signature is not an OCTET STRING")
	}
	if si.Signature, err = sig.stringBytes(); err != nil {
		return nil, err
	}
	if ua := f.optional(classContext, 1); ua != nil {
		if !ua.constructed {
			return nil, malformed("unsignedAttrs is not constructed")
		}
		if si.UnsignedAttributes, err = parseAttributes(ua); err != nil {
			return nil, malformed("unsignedAttrs: %v", err)
		}
	}
	if f.next() != nil {
		return nil, malformed("unexpected field after the signature")
	}
	return si, nil
}

// stringBytesImplicit reads an IMPLICIT OCTET STRING, primitive or
// constructed.
func (n *node) stringBytesImplicit() ([]byte, error) {
	if !n.constructed {
		return n.content, nil
	}
	c := *n
	c.class, c.tag = classUniversal, tagOctetString
	return c.stringBytes()
}

func parseAttributes(n *node) ([]Attribute, error) {
	list := n.children()
	if len(list) == 0 {
		return nil, nil
	}
	out := make([]Attribute, 0, len(list))
	for i := range list {
		a := &list[i]
		if !a.is(classUniversal, tagSequence) || !a.constructed || len(a.children()) != 2 {
			return nil, malformed("attribute is not a SEQUENCE of type and values")
		}
		t, err := nodeOID(&a.children()[0])
		if err != nil {
			return nil, err
		}
		vs := &a.children()[1]
		if !vs.is(classUniversal, tagSet) || !vs.constructed {
			return nil, malformed("attribute %v values are not a SET", t)
		}
		vals := vs.children()
		attr := Attribute{Type: t, Values: make([][]byte, 0, len(vals))}
		for j := range vals {
			d, err := vals[j].der()
			if err != nil {
				return nil, err
			}
			attr.Values = append(attr.Values, d)
		}
		out = append(out, attr)
	}
	return out, nil
}

func parseAlgorithm(n *node) (AlgorithmIdentifier, error) {
	var a AlgorithmIdentifier
	if !n.is(classUniversal, tagSequence) || !n.constructed || len(n.children()) < 1 || len(n.children()) > 2 {
		return a, malformed("AlgorithmIdentifier is not a SEQUENCE of 1 or 2 fields")
	}
	var err error
	if a.Algorithm, err = nodeOID(&n.children()[0]); err != nil {
		return a, err
	}
	if len(n.children()) == 2 {
		if a.Parameters, err = n.children()[1].der(); err != nil {
			return a, err
		}
	}
	return a, nil
}

// fields walks the children of a SEQUENCE in order.
type fields struct {
	list []node
	pos  int
}

func (f *fields) next() *node {
	if f.pos >= len(f.list) {
		return nil
	}
	f.pos++
	return &f.list[f.pos-1]
}

// optional returns the next field when it has the given class and tag.
func (f *fields) optional(class int, tag uint32) *node {
	if f.pos < len(f.list) && f.list[f.pos].is(class, tag) {
		return f.next()
	}
	return nil
}

func nodeOID(n *node) (asn1.ObjectIdentifier, error) {
	if !n.is(classUniversal, tagOID) || n.constructed {
		return nil, malformed("not an OBJECT IDENTIFIER")
	}
	if o, ok := commonOIDs[string(n.content)]; ok {
		// Shared: callers must not modify it.
		return o, nil
	}
	var oid asn1.ObjectIdentifier
	d, err := n.der()
	if err != nil {
		return nil, err
	}
	if rest, err := asn1.Unmarshal(d, &oid); err != nil || len(rest) != 0 {
		return nil, malformed("bad OBJECT IDENTIFIER")
	}
	return oid, nil
}

// nodeAnyOID reads an OBJECT IDENTIFIER whose arcs may be of any size,
// such as the UUID-based OIDs under 2.25 (ITU-T X.667).
func nodeAnyOID(n *node) (x509.OID, error) {
	if !n.is(classUniversal, tagOID) || n.constructed {
		return x509.OID{}, malformed("not an OBJECT IDENTIFIER")
	}
	var oid x509.OID
	if err := oid.UnmarshalBinary(n.content); err != nil {
		return x509.OID{}, malformed("bad OBJECT IDENTIFIER")
	}
	return oid, nil
}

// parseAnyOID reads the DER of an OBJECT IDENTIFIER whose arcs may be of
// any size, with nothing after it.
func parseAnyOID(der []byte) (x509.OID, error) {
	s := cryptobyte.String(der)
	var body cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.OBJECT_IDENTIFIER) || !s.Empty() {
		return x509.OID{}, malformed("not an OBJECT IDENTIFIER")
	}
	var oid x509.OID
	if err := oid.UnmarshalBinary(body); err != nil {
		return x509.OID{}, malformed("bad OBJECT IDENTIFIER")
	}
	return oid, nil
}

func nodeInteger(n *node) (*big.Int, error) {
	if !n.is(classUniversal, tagInteger) || n.constructed {
		return nil, malformed("not an INTEGER")
	}
	c := n.content
	if len(c) == 0 {
		return nil, malformed("empty INTEGER")
	}
	if len(c) > 1024 {
		return nil, malformed("INTEGER of %d bytes", len(c))
	}
	v := new(big.Int).SetBytes(c)
	if c[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(c))))
	}
	return v, nil
}

func nodeSmallInt(n *node) (int, error) {
	v, err := nodeInteger(n)
	if err != nil {
		return 0, err
	}
	if !v.IsInt64() || v.Int64() < 0 || v.Int64() > 1000 {
		return 0, malformed("integer %v out of range", v)
	}
	return int(v.Int64()), nil
}

// parseTime reads a UTCTime or GeneralizedTime (RFC 5652 section 11.3).
func parseTime(der []byte) (time.Time, error) {
	var t time.Time
	rest, err := asn1.Unmarshal(der, &t)
	if err != nil || len(rest) != 0 {
		return time.Time{}, malformed("bad signingTime")
	}
	return t, nil
}
