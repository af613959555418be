package cms

import (
	"errors"
	"fmt"
)

// AttachedAround turns a detached SignedData, as SignDigest makes it,
// into the parts of the attached one that carries a content of n bytes:
// prefix, then the content's bytes as they are, then suffix are a DER
// ContentInfo whose encapsulated content is that content, with the same
// digest algorithms, certificates and signers. The signers' signatures
// cover the content's digest, not its place, so they hold as they are:
// a document of any size gets an attached signature without being held
// whole, by whoever writes the three parts one after the other.
func AttachedAround(detached []byte, n int64) (prefix, suffix []byte, err error) {
	if n < 0 {
		return nil, nil, errors.New("cms: negative content length")
	}
	root, err := parseBER(detached)
	if err != nil {
		return nil, nil, err
	}
	if !root.isDER() || !root.is(classUniversal, tagSequence) || len(root.children()) != 2 {
		return nil, nil, fmt.Errorf("%w: not a DER ContentInfo", ErrMalformed)
	}
	ct, wrap := root.children()[0], root.children()[1]
	if !wrap.is(classContext, 0) || len(wrap.children()) != 1 {
		return nil, nil, fmt.Errorf("%w: ContentInfo without content", ErrMalformed)
	}
	sd := wrap.children()[0]
	if !sd.is(classUniversal, tagSequence) || len(sd.children()) < 4 {
		return nil, nil, fmt.Errorf("%w: not a SignedData", ErrMalformed)
	}
	version, algs, encap := sd.children()[0], sd.children()[1], sd.children()[2]
	if !encap.is(classUniversal, tagSequence) || len(encap.children()) != 1 {
		return nil, nil, fmt.Errorf("%w: the signature is not detached", ErrMalformed)
	}
	var rest []byte
	for _, ch := range sd.children()[3:] {
		rest = append(rest, ch.raw...)
	}
	octet := appendLength64([]byte{0x04}, n)
	explicitLen := int64(len(octet)) + n
	explicit := appendLength64([]byte{0xa0}, explicitLen)
	encapLen := int64(len(encap.children()[0].raw)+len(explicit)) + explicitLen
	encapHdr := appendLength64([]byte{0x30}, encapLen)
	sdLen := int64(len(version.raw)+len(algs.raw)+len(encapHdr)+len(rest)) + encapLen
	sdHdr := appendLength64([]byte{0x30}, sdLen)
	wrapLen := int64(len(sdHdr)) + sdLen
	wrapHdr := appendLength64([]byte{0xa0}, wrapLen)
	ciLen := int64(len(ct.raw)+len(wrapHdr)) + wrapLen
	prefix = appendLength64([]byte{0x30}, ciLen)
	for _, part := range [][]byte{ct.raw, wrapHdr, sdHdr, version.raw, algs.raw, encapHdr, encap.children()[0].raw, explicit, octet} {
		prefix = append(prefix, part...)
	}
	return prefix, rest, nil
}

// appendLength64 appends the DER length of n, which may pass 4 GiB.
func appendLength64(dst []byte, n int64) []byte {
	if n < 0x80 {
		return append(dst, byte(n))
	}
	k := 0
	for v := n; v > 0; v >>= 8 {
		k++
	}
	dst = append(dst, 0x80|byte(k))
	for i := k - 1; i >= 0; i-- {
		dst = append(dst, byte(n>>(8*i)))
	}
	return dst
}
