package cert

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// parseExtensions reads the [3] Extensions of RFC 5280 section 4.1:
//
//	Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
//	Extension ::= SEQUENCE {
//	    extnID    OBJECT IDENTIFIER,
//	    critical  BOOLEAN DEFAULT FALSE,
//	    extnValue OCTET STRING }
//
// An extension may appear once (section 4.2). Known extensions must be
// well formed; unknown ones are kept as they are.
func (c *Certificate) parseExtensions(in cryptobyte.String) error {
	var list cryptobyte.String
	if !in.ReadASN1(&list, cbasn1.SEQUENCE) || !in.Empty() {
		return fmt.Errorf("%w: extensions are not a SEQUENCE", ErrMalformed)
	}
	if list.Empty() {
		return fmt.Errorf("%w: empty extensions", ErrMalformed)
	}
	count := 0
	for rest := list; !rest.Empty() && rest.SkipASN1(cbasn1.SEQUENCE); {
		count++
	}
	c.Extensions = make([]Extension, 0, count)
	for !list.Empty() {
		var ext cryptobyte.String
		var e Extension
		var value []byte
		if !list.ReadASN1(&ext, cbasn1.SEQUENCE) ||
			!readOID(&ext, &e.ID) ||
			!readOptionalBoolean(&ext, &e.Critical) ||
			!ext.ReadASN1Bytes(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return fmt.Errorf("%w: bad extension", ErrMalformed)
		}
		e.Value = value
		for _, prev := range c.Extensions {
			if prev.ID.Equal(e.ID) {
				return fmt.Errorf("%w: extension %s appears twice", ErrMalformed, e.ID)
			}
		}
		c.Extensions = append(c.Extensions, e)
		handled, err := c.parseExtension(e)
		if err != nil {
			return fmt.Errorf("%w: extension %s: %v", ErrMalformed, e.ID, err)
		}
		if e.Critical && !handled {
			c.unhandled = append(c.unhandled, e.ID)
		}
	}
	return nil
}

// parseExtension decodes one known extension into c and reports whether
// the extension is one this package processes or may safely ignore when
// critical.
func (c *Certificate) parseExtension(e Extension) (handled bool, err error) {
	v := cryptobyte.String(e.Value)
	switch {
	case e.ID.Equal(oidExtKeyUsage):
		// KeyUsage ::= BIT STRING
		var bits asn1.BitString
		if !v.ReadASN1BitString(&bits) || !v.Empty() {
			return false, fmt.Errorf("bad key usage")
		}
		var ku x509.KeyUsage
		for i := 0; i < 9; i++ {
			if bits.At(i) != 0 {
				ku |= 1 << uint(i)
			}
		}
		c.KeyUsage, c.HasKeyUsage = ku, true
	case e.ID.Equal(oidExtBasicConstraints):
		// BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE,
		//     pathLenConstraint INTEGER (0..MAX) OPTIONAL }
		var seq cryptobyte.String
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() ||
			!readOptionalBoolean(&seq, &c.IsCA) {
			return false, fmt.Errorf("bad basic constraints")
		}
		if seq.PeekASN1Tag(cbasn1.INTEGER) {
			var n int64
			if !seq.ReadASN1Integer(&n) || n < 0 || n > 1<<20 {
				return false, fmt.Errorf("bad path length constraint")
			}
			c.MaxPathLen = int(n)
		}
		if !seq.Empty() {
			return false, fmt.Errorf("trailing data in basic constraints")
		}
		c.BasicConstraintsValid = true
	case e.ID.Equal(oidExtExtKeyUsage):
		// ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
		var seq cryptobyte.String
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() {
			return false, fmt.Errorf("bad extended key usage")
		}
		for !seq.Empty() {
			var oid asn1.ObjectIdentifier
			if !readOID(&seq, &oid) {
				return false, fmt.Errorf("bad extended key usage")
			}
			c.ExtKeyUsage = append(c.ExtKeyUsage, oid)
		}
	case e.ID.Equal(oidExtPolicies):
		// certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation
		// PolicyInformation ::= SEQUENCE { policyIdentifier OID,
		//     policyQualifiers SEQUENCE SIZE (1..MAX) OF ... OPTIONAL }
		var seq cryptobyte.String
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() {
			return false, fmt.Errorf("bad certificate policies")
		}
		for !seq.Empty() {
			var info, quals cryptobyte.String
			var oid asn1.ObjectIdentifier
			var present bool
			if !seq.ReadASN1(&info, cbasn1.SEQUENCE) || !readOID(&info, &oid) ||
				!info.ReadOptionalASN1(&quals, &present, cbasn1.SEQUENCE) || !info.Empty() {
				return false, fmt.Errorf("bad policy information")
			}
			c.Policies = append(c.Policies, oid)
		}
	case e.ID.Equal(oidExtSubjectKeyID):
		// SubjectKeyIdentifier ::= OCTET STRING
		var id []byte
		if !v.ReadASN1Bytes(&id, cbasn1.OCTET_STRING) || !v.Empty() {
			return false, fmt.Errorf("bad subject key identifier")
		}
		c.SubjectKeyID = id
	case e.ID.Equal(oidExtAuthorityKeyID):
		// AuthorityKeyIdentifier ::= SEQUENCE {
		//     keyIdentifier             [0] IMPLICIT OCTET STRING OPTIONAL,
		//     authorityCertIssuer       [1] IMPLICIT GeneralNames OPTIONAL,
		//     authorityCertSerialNumber [2] IMPLICIT INTEGER OPTIONAL }
		var seq, id, names, serial cryptobyte.String
		var hasID, hasNames, hasSerial bool
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() ||
			!seq.ReadOptionalASN1(&id, &hasID, cbasn1.Tag(0).ContextSpecific()) ||
			!seq.ReadOptionalASN1(&names, &hasNames, cbasn1.Tag(1).Constructed().ContextSpecific()) ||
			!seq.ReadOptionalASN1(&serial, &hasSerial, cbasn1.Tag(2).ContextSpecific()) ||
			!seq.Empty() {
			return false, fmt.Errorf("bad authority key identifier")
		}
		if hasID {
			c.AuthorityKeyID = id
		}
	case e.ID.Equal(oidExtSubjectSignTool):
		// SubjectSignTool ::= UTF8String (SIZE (1..200))
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !v.ReadAnyASN1Element(&elem, &tag) || !v.Empty() {
			return false, fmt.Errorf("bad subjectSignTool")
		}
		s, err := decodeDirectoryString(elem, tag)
		if err != nil || !(Attribute{Tag: int(tag)}).IsString() {
			return false, fmt.Errorf("subjectSignTool is not a string")
		}
		c.SubjectSignTool = s
	case e.ID.Equal(oidExtIssuerSignTool):
		// IssuerSignTool ::= SEQUENCE { signTool UTF8String, cATool
		//     UTF8String, signToolCert UTF8String, cAToolCert UTF8String }
		var seq cryptobyte.String
		if !v.ReadASN1(&seq, cbasn1.SEQUENCE) || !v.Empty() {
			return false, fmt.Errorf("bad issuerSignTool")
		}
		var tools []string
		for !seq.Empty() {
			var elem cryptobyte.String
			var tag cbasn1.Tag
			if len(tools) == 4 || !seq.ReadAnyASN1Element(&elem, &tag) {
				return false, fmt.Errorf("bad issuerSignTool")
			}
			s, err := decodeDirectoryString(elem, tag)
			if err != nil || !(Attribute{Tag: int(tag)}).IsString() {
				return false, fmt.Errorf("issuerSignTool holds a non-string")
			}
			tools = append(tools, s)
		}
		c.IssuerSignTool = tools
	case e.ID.Equal(oidExtSubjectAltName), e.ID.Equal(oidExtPrivateKeyPeriod),
		e.ID.Equal(oidExtCRLDistribution), e.ID.Equal(oidExtAuthorityInfo),
		e.ID.Equal(oidExtIdentificationKnd):
		// Informational for this package: kept in Extensions only. No
		// name checks are made, so a critical subjectAltName changes
		// nothing here.
	default:
		return false, nil
	}
	return true, nil
}

// UnhandledCriticalExtensions lists the critical extensions this package
// does not process; VerifyChain refuses certificates that have any.
func (c *Certificate) UnhandledCriticalExtensions() []asn1.ObjectIdentifier {
	return append([]asn1.ObjectIdentifier(nil), c.unhandled...)
}

// readOptionalBoolean reads a BOOLEAN DEFAULT FALSE. An explicit FALSE,
// which DER forbids, is accepted as crypto/x509 does: some CAs write it.
func readOptionalBoolean(in *cryptobyte.String, out *bool) bool {
	*out = false
	if !in.PeekASN1Tag(cbasn1.BOOLEAN) {
		return true
	}
	return in.ReadASN1Boolean(out)
}
