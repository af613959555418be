package cert

import (
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Attribute is one attribute of a distinguished name, in the order found.
// Value is the decoded text; a value that is not a string type is given as
// "#" followed by the hex of its DER encoding, as RFC 4514 does.
type Attribute struct {
	Type  asn1.ObjectIdentifier
	Value string
	// Tag is the ASN.1 universal tag of the value (12 for UTF8String, 18
	// for NumericString, ...).
	Tag int
	// MultiValued is true for the second and later attributes of a
	// multi-valued RDN (joined with "+" when printed).
	MultiValued bool
}

// Name is a distinguished name with the attributes of Russian qualified
// certificates picked out. When an attribute type occurs more than once the
// named field holds the first; Attributes holds all of them.
type Name struct {
	CommonName, Surname, GivenName, Title string
	Organization, OrganizationalUnit      string
	Country, Province, Locality, Street   string
	Email                                 string
	// Russian identifiers, the digits as found (NumericString or
	// UTF8String); validate them with package ruid.
	INN, INNLE, OGRN, OGRNIP, SNILS string
	// SerialNumber is the X.520 serialNumber attribute (2.5.4.5).
	SerialNumber string
	// Attributes lists every attribute in the order of the encoding.
	Attributes []Attribute
	// Raw is the DER of the Name.
	Raw []byte
}

// OrganizationINN returns the organisation's 10-digit INN: INNLE when
// present, else the legacy 12-digit form "00"+INNLE found under the INN
// OID in older certificates. It returns "" when there is neither.
func (n Name) OrganizationINN() string {
	if n.INNLE != "" {
		return n.INNLE
	}
	if len(n.INN) == 12 && strings.HasPrefix(n.INN, "00") {
		return n.INN[2:]
	}
	return ""
}

// PersonINN returns the 12-digit INN of a person (the INN attribute unless
// it is the legacy organisation form starting with "00"), or "".
func (n Name) PersonINN() string {
	if n.INN == "" || (len(n.INN) == 12 && strings.HasPrefix(n.INN, "00")) {
		return ""
	}
	return n.INN
}

// attributeShortNames gives the labels Name.String prints.
var attributeShortNames = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{oidCommonName, "CN"},
	{oidSurname, "SN"},
	{oidGivenName, "GN"},
	{oidTitle, "T"},
	{oidSerialNumber, "SERIALNUMBER"},
	{oidOrganization, "O"},
	{oidOrganizationalUnit, "OU"},
	{oidCountry, "C"},
	{oidProvince, "ST"},
	{oidLocality, "L"},
	{oidStreet, "STREET"},
	{oidEmailAddress, "E"},
	{oidINN, "INN"},
	{oidINNLE, "INNLE"},
	{oidOGRN, "OGRN"},
	{oidOGRNIP, "OGRNIP"},
	{oidSNILS, "SNILS"},
}

// AttributeName returns the short label of an attribute type ("CN",
// "INNLE", ...) or its dotted form when unknown.
func AttributeName(oid asn1.ObjectIdentifier) string {
	for _, a := range attributeShortNames {
		if a.oid.Equal(oid) {
			return a.name
		}
	}
	return oid.String()
}

// String returns the name on one line in the manner of RFC 4514: the last
// RDN first, attributes as LABEL=value with RFC 4514 escaping, except that
// non-ASCII text is printed as UTF-8 rather than escaped.
func (n Name) String() string {
	size := 0
	for _, a := range n.Attributes {
		size += len(a.Value) + 8
	}
	b := make([]byte, 0, size)
	// RDNs are printed last first; the attributes of a multi-valued RDN
	// in their order.
	end := len(n.Attributes)
	for end > 0 {
		start := end - 1
		for start > 0 && n.Attributes[start].MultiValued {
			start--
		}
		if len(b) > 0 {
			b = append(b, ", "...)
		}
		for j, a := range n.Attributes[start:end] {
			if j > 0 {
				b = append(b, '+')
			}
			b = append(b, AttributeName(a.Type)...)
			b = append(b, '=')
			if !a.IsString() {
				b = append(b, a.Value...)
			} else {
				b = appendEscaped(b, a.Value)
			}
		}
		end = start
	}
	return string(b)
}

// IsString reports whether the value was one of the string types; other
// values are kept as "#" followed by the hex of their DER.
func (a Attribute) IsString() bool {
	switch cbasn1.Tag(a.Tag) {
	case cbasn1.UTF8String, cbasn1.PrintableString, tagNumericString, cbasn1.IA5String,
		tagVisibleString, cbasn1.T61String, tagBMPString, tagUniversalString:
		return true
	}
	return false
}

// escapeValue applies the escaping of RFC 4514 section 2.4.
func escapeValue(s string) string { return string(appendEscaped(nil, s)) }

// appendEscaped appends s with the escaping of RFC 4514 section 2.4;
// bytes that are not UTF-8 become U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	valid := utf8.ValidString(s)
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf && valid {
			// Part of a multi-byte character: never escaped.
			b = append(b, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, r)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';',
			i == 0 && (c == '#' || c == ' '),
			i == len(s)-1 && c == ' ':
			b = append(b, '\\', c)
		case c < 0x20 || c == 0x7f:
			b = append(b, '\\', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return b
}

// ASN.1 universal string tags not named by cryptobyte/asn1.
const (
	tagNumericString   = cbasn1.Tag(18)
	tagVisibleString   = cbasn1.Tag(26)
	tagUniversalString = cbasn1.Tag(28)
	tagBMPString       = cbasn1.Tag(30)
)

// parseName decodes a DER Name (RFC 5280 section 4.1.2.4):
//
//	Name ::= SEQUENCE OF RelativeDistinguishedName
//	RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
//	AttributeTypeAndValue ::= SEQUENCE { type OID, value ANY }
func parseName(raw []byte) (Name, error) {
	n := Name{Raw: raw}
	in := cryptobyte.String(raw)
	var rdns cryptobyte.String
	if !in.ReadASN1(&rdns, cbasn1.SEQUENCE) || !in.Empty() {
		return n, fmt.Errorf("%w: name is not a SEQUENCE", ErrMalformed)
	}
	n.Attributes = make([]Attribute, 0, countAttributes(rdns))
	for !rdns.Empty() {
		var set cryptobyte.String
		if !rdns.ReadASN1(&set, cbasn1.SET) {
			return n, fmt.Errorf("%w: relative distinguished name is not a SET", ErrMalformed)
		}
		if set.Empty() {
			return n, fmt.Errorf("%w: empty relative distinguished name", ErrMalformed)
		}
		first := true
		for !set.Empty() {
			var atv cryptobyte.String
			var a Attribute
			var val cryptobyte.String
			var tag cbasn1.Tag
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) ||
				!readOID(&atv, &a.Type) ||
				!atv.ReadAnyASN1Element(&val, &tag) || !atv.Empty() {
				return n, fmt.Errorf("%w: bad attribute in name", ErrMalformed)
			}
			v, err := decodeDirectoryString(val, tag)
			if err != nil {
				return n, fmt.Errorf("%w: attribute %s: %v", ErrMalformed, a.Type, err)
			}
			a.Value = v
			a.Tag = int(tag)
			a.MultiValued = !first
			first = false
			n.Attributes = append(n.Attributes, a)
			n.setField(a)
		}
	}
	return n, nil
}

// countAttributes counts the attributes of a well-formed RDN sequence so
// that parseName allocates once; on malformed input the count is merely
// low and parseName reports the error.
func countAttributes(rdns cryptobyte.String) int {
	n := 0
	for !rdns.Empty() {
		var set cryptobyte.String
		if !rdns.ReadASN1(&set, cbasn1.SET) {
			break
		}
		for !set.Empty() && set.SkipASN1(cbasn1.SEQUENCE) {
			n++
		}
	}
	return n
}

// setField stores a in the named field for its type, if that field is
// still empty.
func (n *Name) setField(a Attribute) {
	var p *string
	switch {
	case a.Type.Equal(oidCommonName):
		p = &n.CommonName
	case a.Type.Equal(oidSurname):
		p = &n.Surname
	case a.Type.Equal(oidGivenName):
		p = &n.GivenName
	case a.Type.Equal(oidTitle):
		p = &n.Title
	case a.Type.Equal(oidSerialNumber):
		p = &n.SerialNumber
	case a.Type.Equal(oidOrganization):
		p = &n.Organization
	case a.Type.Equal(oidOrganizationalUnit):
		p = &n.OrganizationalUnit
	case a.Type.Equal(oidCountry):
		p = &n.Country
	case a.Type.Equal(oidProvince):
		p = &n.Province
	case a.Type.Equal(oidLocality):
		p = &n.Locality
	case a.Type.Equal(oidStreet):
		p = &n.Street
	case a.Type.Equal(oidEmailAddress):
		p = &n.Email
	case a.Type.Equal(oidINN):
		p = &n.INN
	case a.Type.Equal(oidINNLE):
		p = &n.INNLE
	case a.Type.Equal(oidOGRN):
		p = &n.OGRN
	case a.Type.Equal(oidOGRNIP):
		p = &n.OGRNIP
	case a.Type.Equal(oidSNILS):
		p = &n.SNILS
	default:
		return
	}
	if *p == "" && a.IsString() {
		*p = a.Value
	}
}

// decodeDirectoryString decodes one attribute value element (tag and
// content) into text. Non-string values come back as "#" + hex of the
// element, as RFC 4514 prints them.
func decodeDirectoryString(elem cryptobyte.String, tag cbasn1.Tag) (string, error) {
	var body cryptobyte.String
	if in := elem; !in.ReadASN1(&body, tag) {
		return "", fmt.Errorf("bad value encoding")
	}
	switch tag {
	case cbasn1.UTF8String:
		if !utf8.Valid(body) {
			return "", fmt.Errorf("invalid UTF-8 in UTF8String")
		}
		return string(body), nil
	case cbasn1.PrintableString:
		for _, c := range body {
			if !isPrintable(c) {
				return "", fmt.Errorf("invalid character %q in PrintableString", c)
			}
		}
		return string(body), nil
	case tagNumericString:
		for _, c := range body {
			if (c < '0' || c > '9') && c != ' ' {
				return "", fmt.Errorf("invalid character %q in NumericString", c)
			}
		}
		return string(body), nil
	case cbasn1.IA5String, tagVisibleString:
		for _, c := range body {
			if c >= 0x80 {
				return "", fmt.Errorf("non-ASCII byte in IA5String")
			}
		}
		return string(body), nil
	case cbasn1.T61String:
		// TeletexString: treated as Latin-1, as most software does.
		r := make([]rune, len(body))
		for i, c := range body {
			r[i] = rune(c)
		}
		return string(r), nil
	case tagBMPString:
		if len(body)%2 != 0 {
			return "", fmt.Errorf("odd length BMPString")
		}
		u := make([]uint16, len(body)/2)
		for i := range u {
			u[i] = uint16(body[2*i])<<8 | uint16(body[2*i+1])
		}
		return string(utf16.Decode(u)), nil
	case tagUniversalString:
		if len(body)%4 != 0 {
			return "", fmt.Errorf("UniversalString length not a multiple of 4")
		}
		r := make([]rune, len(body)/4)
		for i := range r {
			c := rune(body[4*i])<<24 | rune(body[4*i+1])<<16 | rune(body[4*i+2])<<8 | rune(body[4*i+3])
			if !utf8.ValidRune(c) {
				return "", fmt.Errorf("invalid character in UniversalString")
			}
			r[i] = c
		}
		return string(r), nil
	}
	return "#" + hex.EncodeToString(elem), nil
}

func isPrintable(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	// '*' and '&' are not PrintableString but are common in the field;
	// crypto/x509 accepts them too.
	return strings.IndexByte(" '()+,-./:=?*&", c) >= 0
}
