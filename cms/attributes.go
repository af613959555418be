package cms

import (
	"bytes"
	"fmt"
	"time"
)

// attrContentTypeData is the DER of the contentType attribute for id-data:
// SEQUENCE { contentType, SET { id-data } }.
var attrContentTypeData = []byte{
	0x30, 0x18,
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03,
	0x31, 0x0b,
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
}

// DER contents of the attribute types written per signature.
var (
	oidAttrContentTypeDER   = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03}
	oidAttrSigningTimeDER   = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05}
	oidAttrMessageDigestDER = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04}
)

// signedAttrs are the CAdES-BES signed attributes of one signature:
// contentType, signingTime, messageDigest and signingCertificateV2, with
// any extra ones.
type signedAttrs struct {
	fixed [4][]byte
	extra [][]byte
	// order lists the attributes in DER order (X.690 section 11.6): i
	// is fixed[i] below 4, extra[i-4] from there.
	order []int
	// size is the sum of their lengths, the content of the SET OF.
	size int
}

// attrScratch is room for the attributes encoded per signature, on the
// stack of the signing call.
type attrScratch struct {
	buf   [192]byte
	order [8]int
}

// encodeSignedAttrs encodes the attributes into sc. ct is the DER
// contents of the content type's OID, nil for id-data; extra holds
// further encoded attributes to include.
func encodeSignedAttrs(sc *attrScratch, ct, digest, signingCertV2 []byte, at time.Time, extra [][]byte) (signedAttrs, error) {
	buf := sc.buf[:0]
	ctAttr := attrContentTypeData
	if ct != nil {
		// SEQUENCE { contentType, SET { OID } }
		oid := tlvLen(len(ct))
		start := len(buf)
		buf = appendTL(buf, derSequence, 2+len(oidAttrContentTypeDER)+tlvLen(oid))
		buf = append(buf, derOID, byte(len(oidAttrContentTypeDER)))
		buf = append(buf, oidAttrContentTypeDER...)
		buf = appendTL(buf, derSet, oid)
		buf = appendTL(buf, derOID, len(ct))
		buf = append(buf, ct...)
		ctAttr = buf[start:len(buf):len(buf)]
	}
	timeAt := len(buf)
	// RFC 5652 section 11.3: UTCTime for 1950..2049, GeneralizedTime
	// otherwise; both in UTC with seconds.
	at = at.UTC().Truncate(time.Second)
	buf = append(buf, derSequence, 0, derOID, byte(len(oidAttrSigningTimeDER)))
	buf = append(buf, oidAttrSigningTimeDER...)
	buf = append(buf, derSet, 0)
	buf, ok := appendTime(buf, at)
	if !ok {
		return signedAttrs{}, fmt.Errorf("cms: encoding attribute %v: cannot represent %v as a GeneralizedTime", oidAttrSigningTime, at)
	}
	// The time takes at most 17 bytes: both lengths fit in one byte.
	const setAt = 2 + 2 + 9
	timeAttr := buf[timeAt:]
	timeAttr[1] = byte(len(timeAttr) - 2)
	timeAttr[setAt+1] = byte(len(timeAttr) - (setAt + 2))

	value := tlvLen(len(digest))
	body := 2 + len(oidAttrMessageDigestDER) + tlvLen(value)
	start := len(buf)
	buf = appendTL(buf, derSequence, body)
	buf = append(buf, derOID, byte(len(oidAttrMessageDigestDER)))
	buf = append(buf, oidAttrMessageDigestDER...)
	buf = appendTL(buf, derSet, value)
	buf = appendTL(buf, derOctetString, len(digest))
	buf = append(buf, digest...)
	digestAttr := buf[start:]

	a := signedAttrs{
		fixed: [4][]byte{ctAttr, timeAttr, digestAttr, signingCertV2},
		extra: extra,
		order: sc.order[:0],
	}
	for i := range len(a.fixed) + len(extra) {
		a.order = append(a.order, i)
		a.size += len(a.get(i))
	}
	// A handful of elements: an insertion sort.
	for i := 1; i < len(a.order); i++ {
		for j := i; j > 0 && bytes.Compare(a.get(a.order[j-1]), a.get(a.order[j])) > 0; j-- {
			a.order[j-1], a.order[j] = a.order[j], a.order[j-1]
		}
	}
	return a, nil
}

func (a *signedAttrs) get(i int) []byte {
	if i < len(a.fixed) {
		return a.fixed[i]
	}
	return a.extra[i-len(a.fixed)]
}

// appendTo appends the attributes in DER order, without the SET OF
// header.
func (a *signedAttrs) appendTo(dst []byte) []byte {
	for _, i := range a.order {
		dst = append(dst, a.get(i)...)
	}
	return dst
}
