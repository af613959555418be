package cms

import (
	"bytes"
	"fmt"
)

// signedParts are the fields of a SignedData being written, each already
// encoded. Parts taken from a received signature are copied verbatim.
type signedParts struct {
	version    int
	digestAlgs [][]byte
	// encap is the EncapsulatedContentInfo as received; when nil, one
	// is written for contentType with content inside if attached.
	encap []byte
	// contentType is the DER contents of eContentType's OID, nil for
	// id-data.
	contentType []byte
	content     []byte
	attached    bool
	certs       [][]byte
	crls        []byte
	signerInfos [][]byte
}

func (p *signedParts) addDigestAlgorithm(d *digestAlgorithm) {
	for _, have := range p.digestAlgs {
		if n, err := parseBER(have); err == nil {
			if a, err := parseAlgorithm(&n); err == nil && a.Algorithm.Equal(d.oid) {
				return
			}
		}
	}
	p.digestAlgs = append(p.digestAlgs, d.der)
}

// appendCertificate appends der to list unless it is there already.
func appendCertificate(list [][]byte, der []byte) [][]byte {
	for _, have := range list {
		if bytes.Equal(have, der) {
			return list
		}
	}
	return append(list, der)
}

// DER contents of the two OIDs the streaming writer needs.
var (
	oidSignedDataDER = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}
	oidDataDER       = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}
)

// eContentType is the DER contents of the content type's OID.
func (p *signedParts) eContentType() []byte {
	if p.contentType == nil {
		return oidDataDER
	}
	return p.contentType
}

// sort puts digestAlgorithms and certificates, both SET OF, in DER order.
// The lists belong to p: a received signature's are copied into them.
func (p *signedParts) sort() {
	sortDER(p.digestAlgs)
	sortDER(p.certs)
}

// layout gives the sizes of the SignedData's elements for signer infos
// of sis bytes in all.
type layout struct {
	algs, encapContent, certs, signedData, explicit, contentInfo int
	// prefix is the size of everything before the signer infos.
	prefix int
}

func (p *signedParts) layout(sis int) layout {
	var l layout
	for _, a := range p.digestAlgs {
		l.algs += len(a)
	}
	for _, c := range p.certs {
		l.certs += len(c)
	}
	encap := len(p.encap)
	if p.encap == nil {
		l.encapContent = tlvLen(len(p.eContentType()))
		if p.attached {
			l.encapContent += tlvLen(tlvLen(len(p.content)))
		}
		encap = tlvLen(l.encapContent)
	}
	l.signedData = intLen(int64(p.version)) + tlvLen(l.algs) + encap + len(p.crls) + tlvLen(sis)
	if len(p.certs) > 0 {
		l.signedData += tlvLen(l.certs)
	}
	l.explicit = tlvLen(l.signedData)
	l.contentInfo = 2 + len(oidSignedDataDER) + tlvLen(l.explicit)
	l.prefix = tlvLen(l.contentInfo) - sis
	return l
}

// reserve is the room to leave in front of a SignerInfo not yet made for
// marshalAround: the prefix grows with the SignerInfo's size only by the
// lengths of the four headers around it.
func (p *signedParts) reserve() int {
	return p.layout(0).prefix + 4*(maxHeaderLen-2)
}

// appendPrefix appends the ContentInfo up to the signer infos, whose DER
// takes sis bytes.
func (p *signedParts) appendPrefix(dst []byte, l layout, sis int) []byte {
	dst = appendTL(dst, derSequence, l.contentInfo)
	dst = append(dst, derOID, byte(len(oidSignedDataDER)))
	dst = append(dst, oidSignedDataDER...)
	dst = appendTL(dst, derContext0, l.explicit)
	dst = appendTL(dst, derSequence, l.signedData)
	dst = appendInt(dst, int64(p.version))
	dst = appendTL(dst, derSet, l.algs)
	for _, a := range p.digestAlgs {
		dst = append(dst, a...)
	}
	if p.encap != nil {
		dst = append(dst, p.encap...)
	} else {
		dst = appendTL(dst, derSequence, l.encapContent)
		dst = appendTL(dst, derOID, len(p.eContentType()))
		dst = append(dst, p.eContentType()...)
		if p.attached {
			dst = appendTL(dst, derContext0, tlvLen(len(p.content)))
			dst = appendTL(dst, derOctetString, len(p.content))
			dst = append(dst, p.content...)
		}
	}
	if len(p.certs) > 0 {
		dst = appendTL(dst, derContext0, l.certs)
		for _, c := range p.certs {
			dst = append(dst, c...)
		}
	}
	dst = append(dst, p.crls...)
	return appendTL(dst, derSet, sis)
}

// marshal writes the ContentInfo. digestAlgorithms and certificates are
// SET OF and sorted; signerInfos keep their order, so that the first
// signer stays first when others co-sign.
func (p *signedParts) marshal() ([]byte, error) {
	p.sort()
	sis := 0
	for _, si := range p.signerInfos {
		sis += len(si)
	}
	l := p.layout(sis)
	out := p.appendPrefix(make([]byte, 0, l.prefix+sis), l, sis)
	for _, si := range p.signerInfos {
		out = append(out, si...)
	}
	return out, nil
}

// marshalAround writes the ContentInfo of a signature whose only signer
// info is buf[start:], in front of it when the room there suffices
// (see reserve), and returns the DER.
func (p *signedParts) marshalAround(buf []byte, start int) ([]byte, error) {
	p.sort()
	si := buf[start:]
	l := p.layout(len(si))
	if l.prefix > start {
		p.signerInfos = [][]byte{si}
		return p.marshal()
	}
	begin := start - l.prefix
	if n := len(p.appendPrefix(buf[begin:begin], l, len(si))); n != l.prefix {
		return nil, fmt.Errorf("cms: encoding SignedData: prefix of %d bytes, %d expected", n, l.prefix)
	}
	return buf[begin:], nil
}

// intLen is the size of the DER INTEGER v.
func intLen(v int64) int {
	n := 1
	for i := v; i >= 0x80 || i < -0x80; i >>= 8 {
		n++
	}
	return 2 + n
}

// appendInt appends the DER INTEGER v.
func appendInt(dst []byte, v int64) []byte {
	n := intLen(v) - 2
	dst = append(dst, derInteger, byte(n))
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}
