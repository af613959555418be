package cms

import (
	"bytes"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// Helpers for the signing path, which writes DER straight into buffers
// sized in advance instead of through a cryptobyte.Builder per element.

// DER tags of the elements the signer writes.
const (
	derInteger     = 0x02
	derOctetString = 0x04
	derOID         = 0x06
	derUTCTime     = 0x17
	derGenTime     = 0x18
	derSequence    = 0x30
	derSet         = 0x31
	derContext0    = 0xa0 // [0], constructed
)

// maxHeaderLen is the longest identifier and length appendLength writes
// for a one-byte tag.
const maxHeaderLen = 6

// lengthLen is the size of the DER length of n content bytes.
func lengthLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n < 1<<8:
		return 2
	case n < 1<<16:
		return 3
	case n < 1<<24:
		return 4
	}
	return 5
}

// tlvLen is the size of an element with a one-byte tag and n content
// bytes.
func tlvLen(n int) int { return 1 + lengthLen(n) + n }

// appendTL appends a one-byte tag and the DER length of n.
func appendTL(dst []byte, tag byte, n int) []byte {
	return appendLength(append(dst, tag), n)
}

// encodeAlgorithm returns the DER of an AlgorithmIdentifier. It runs
// when the package loads and on the rare paths, not per signature.
func encodeAlgorithm(a AlgorithmIdentifier) []byte {
	var b cryptobyte.Builder
	addAlgorithm(&b, a)
	return b.BytesOrPanic()
}

// appendDigits appends v as n decimal digits.
func appendDigits(dst []byte, v, n int) []byte {
	var d [4]byte
	for i := n - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, d[:n]...)
}

// appendTime appends the signingTime value (RFC 5652 section 11.3): a
// UTCTime YYMMDDhhmmssZ for 1950 to 2049, a GeneralizedTime
// YYYYMMDDhhmmssZ otherwise. t must be in UTC without fractions of a
// second; ok is false for a year GeneralizedTime cannot hold.
func appendTime(dst []byte, t time.Time) (_ []byte, ok bool) {
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	if year >= 1950 && year < 2050 {
		dst = append(dst, derUTCTime, 13)
		dst = appendDigits(dst, year%100, 2)
	} else {
		if year < 0 || year > 9999 {
			return dst, false
		}
		dst = append(dst, derGenTime, 15)
		dst = appendDigits(dst, year, 4)
	}
	dst = appendDigits(dst, int(month), 2)
	dst = appendDigits(dst, day, 2)
	dst = appendDigits(dst, hour, 2)
	dst = appendDigits(dst, minute, 2)
	dst = appendDigits(dst, second, 2)
	return append(dst, 'Z'), true
}

// sortDER sorts encodings as DER orders the elements of a SET OF
// (X.690 section 11.6).
func sortDER(list [][]byte) {
	if len(list) > 12 {
		slices.SortFunc(list, bytes.Compare)
		return
	}
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && bytes.Compare(list[j-1], list[j]) > 0; j-- {
			list[j-1], list[j] = list[j], list[j-1]
		}
	}
}
