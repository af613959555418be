package cms

import (
	"bytes"
	"encoding/binary"
)

// Limits that keep hostile input from costing more than its own size.
const (
	// maxDepth bounds the nesting of constructed encodings. Real
	// signatures nest about 20 deep (a certificate inside SignedData).
	maxDepth = 64
	// maxTagNumber bounds high-tag-number identifiers.
	maxTagNumber = 1 << 28
)

// ASN.1 tag classes as they appear in the identifier octet's top bits.
const (
	classUniversal   = 0
	classApplication = 1
	classContext     = 2
	classPrivate     = 3
)

// Universal tag numbers this package reads or writes.
const (
	tagBoolean     = 1
	tagInteger     = 2
	tagBitString   = 3
	tagOctetString = 4
	tagNull        = 5
	tagOID         = 6
	tagUTF8String  = 12
	tagSequence    = 16
	tagSet         = 17
	tagUTCTime     = 23
	tagGenTime     = 24
)

// node is one BER or DER element as received. Every node keeps the exact
// bytes it came from so that parts of a signature can be copied verbatim.
//
// A parse checks the whole input at once but builds nodes only for the
// elements a reader opens: children() parses the elements of a
// constructed node the first time it is asked. A long-term signature
// holds nearly two thousand elements, mostly inside certificates and
// time-stamp tokens that other parsers read from their bytes, and
// building a node for each cost more than the rest of the parse. Nodes
// are not safe for concurrent use: each parse's belong to its caller.
type node struct {
	class       int
	tag         uint32
	constructed bool
	indefinite  bool
	// expanded says kids holds the elements of content.
	expanded bool
	// derKnown says isDEREnc holds whether the node and everything inside it
	// is DER (see isDER).
	derKnown, isDEREnc bool
	// raw is the whole element as received: identifier, length, content
	// and, for indefinite lengths, the end-of-contents octets.
	raw []byte
	// content is the content octets, without end-of-contents.
	content []byte
	kids    []node
	// arena gives the children of every node of one parse.
	arena *nodeArena
}

// is reports whether n has the given class and tag number.
func (n *node) is(class int, tag uint32) bool { return n.class == class && n.tag == tag }

// children returns the elements inside a constructed node, parsing them
// the first time. The parse that made n checked every element inside it,
// so this cannot fail on a node from parseBER; a node made otherwise whose
// content does not parse has no children.
func (n *node) children() []node {
	if n.expanded || !n.constructed {
		return n.kids
	}
	n.expanded = true
	allDER := n.derKnown && n.isDEREnc
	k := 0
	if allDER {
		k = countElements(n.content)
	}
	if k == 0 {
		// Lengths countElements does not read, or indefinite ones: count
		// by scanning.
		for r := n.content; len(r) > 0; k++ {
			var err error
			if r, _, err = scanElement(r, 0); err != nil {
				return nil
			}
		}
	}
	if n.arena == nil {
		// The first node of a parse opened: its descendants share this.
		n.arena = &nodeArena{}
	}
	kids := n.arena.take(k)
	for rest := n.content; len(rest) > 0; {
		h, hdr, length, err := readHeader(rest, 0)
		if err != nil {
			return nil
		}
		c := h.node()
		c.arena = n.arena
		var r []byte
		if allDER {
			// Everything inside a DER element is DER.
			r = rest[hdr+length:]
			c.derKnown, c.isDEREnc = true, true
		} else {
			// Find where the child ends and whether it is DER.
			if r, c.isDEREnc, err = scanElement(rest, 0); err != nil {
				return nil
			}
			c.derKnown = true
		}
		c.setBytes(rest[:len(rest)-len(r)], hdr)
		kids = append(kids, c)
		rest = r
	}
	n.kids = kids
	return kids
}

// setBytes sets raw to the whole element and content to what follows its
// hdr octets of identifier and length, less any end-of-contents.
func (n *node) setBytes(raw []byte, hdr int) {
	n.raw = raw
	if n.indefinite {
		n.content = raw[hdr : len(raw)-2]
	} else {
		n.content = raw[hdr:]
	}
}

// parseBER parses exactly one element filling all of data: trailing bytes
// are an error. It checks every element inside; the nodes inside are built
// as children() asks for them.
func parseBER(data []byte) (node, error) {
	rest, der, err := scanElement(data, 0)
	if err != nil {
		return node{}, err
	}
	if len(rest) != 0 {
		return node{}, malformed("%d bytes of trailing data", len(rest))
	}
	h, hdr, _, err := readHeader(data, 0)
	if err != nil {
		return node{}, err
	}
	n := h.node()
	n.setBytes(data, hdr)
	n.derKnown, n.isDEREnc = true, der
	return n, nil
}

// nodeArena hands out the children of the nodes of one parse from shared
// blocks rather than one allocation each. A slice it gives has exactly the
// capacity asked, so appending past it never reaches a neighbour.
type nodeArena struct{ free []node }

// arenaBlock is the number of nodes in a block; larger requests get
// their own slice.
const arenaBlock = 64

func (a *nodeArena) take(k int) []node {
	if k > arenaBlock/4 {
		return make([]node, 0, k)
	}
	if len(a.free) < k {
		a.free = make([]node, arenaBlock)
	}
	s := a.free[:0:k]
	a.free = a.free[k:]
	return s
}

// header is an element's identifier and form of length.
type header struct {
	class       int
	tag         uint32
	constructed bool
	indefinite  bool
}

// node returns a node of that identifier, yet without its bytes.
func (h header) node() node {
	return node{class: h.class, tag: h.tag, constructed: h.constructed, indefinite: h.indefinite}
}

// readHeader reads the identifier and length octets at the front of data:
// it returns the identifier and form, the number of header
// octets and the content length, -1 when indefinite. A definite length is
// checked against the bytes available.
func readHeader(data []byte, depth int) (n header, hdr, length int, err error) {
	if depth > maxDepth {
		return n, 0, 0, malformed("nesting deeper than %d", maxDepth)
	}
	if len(data) < 2 {
		return n, 0, 0, malformed("truncated element")
	}
	b := data[0]
	n.class = int(b >> 6)
	n.constructed = b&0x20 != 0
	pos := 1
	if b&0x1f != 0x1f {
		n.tag = uint32(b & 0x1f)
	} else {
		// High tag number form: base-128 digits, minimal.
		var t uint32
		for i := 0; ; i++ {
			if pos >= len(data) {
				return n, 0, 0, malformed("truncated tag")
			}
			c := data[pos]
			pos++
			if i == 0 && c == 0x80 {
				return n, 0, 0, malformed("non-minimal tag number")
			}
			t = t<<7 | uint32(c&0x7f)
			if t >= maxTagNumber {
				return n, 0, 0, malformed("tag number too large")
			}
			if c&0x80 == 0 {
				break
			}
		}
		if t < 0x1f {
			return n, 0, 0, malformed("high-form tag for a low tag number")
		}
		n.tag = t
	}
	if pos >= len(data) {
		return n, 0, 0, malformed("truncated length")
	}
	l := data[pos]
	pos++
	switch {
	case l == 0x80:
		if !n.constructed {
			return n, 0, 0, malformed("indefinite length on a primitive element")
		}
		n.indefinite = true
		return n, pos, -1, nil
	case l == 0xff:
		return n, 0, 0, malformed("reserved length octet")
	case l&0x80 != 0:
		k := int(l & 0x7f)
		if k > 4 {
			return n, 0, 0, malformed("length of %d octets is too large", k)
		}
		if len(data)-pos < k {
			return n, 0, 0, malformed("truncated length")
		}
		var buf [4]byte
		copy(buf[4-k:], data[pos:pos+k])
		length := uint64(binary.BigEndian.Uint32(buf[:]))
		pos += k
		if length > uint64(len(data)-pos) {
			return n, 0, 0, malformed("length %d exceeds the %d bytes available", length, len(data)-pos)
		}
		return n, pos, int(length), nil
	default:
		length := int(l)
		if length > len(data)-pos {
			return n, 0, 0, malformed("length %d exceeds the %d bytes available", length, len(data)-pos)
		}
		return n, pos, length, nil
	}
}

// scanElement checks the element at the front of data and everything
// inside it without building nodes, and returns what follows it and
// whether it is DER: definite minimal lengths and no constructed strings
// anywhere inside (see isDER).
func scanElement(data []byte, depth int) (rest []byte, der bool, err error) {
	n, hdr, length, err := readHeader(data, depth)
	if err != nil {
		return nil, false, err
	}
	if n.indefinite {
		rest = data[hdr:]
		for {
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				return rest[2:], false, nil
			}
			if len(rest) == 0 {
				return nil, false, malformed("missing end-of-contents")
			}
			if rest, _, err = scanElement(rest, depth+1); err != nil {
				return nil, false, err
			}
		}
	}
	der = hdr == headerSize(n.tag, length) && !(n.constructed && n.class == classUniversal && isStringTag(n.tag))
	if n.constructed {
		for c := data[hdr : hdr+length]; len(c) > 0; {
			var d bool
			if c, d, err = scanElement(c, depth+1); err != nil {
				return nil, false, err
			}
			der = der && d
		}
	}
	return data[hdr+length:], der, nil
}

// headerSize is the size of the DER header of an element of that tag
// number and content length, as appendHeader writes it.
func headerSize(tag uint32, length int) int {
	k := 2 // the first identifier and length octets
	if tag >= 0x1f {
		for t := tag; t > 0; t >>= 7 {
			k++
		}
	}
	if length >= 0x80 {
		for l := length; l > 0; l >>= 8 {
			k++
		}
	}
	return k
}

// countElements counts the definite-length elements in data without
// parsing inside them, so that a node's children are allocated once. It
// returns 0 when it meets an indefinite length or anything malformed.
func countElements(data []byte) int {
	k := 0
	for len(data) > 0 {
		if len(data) < 2 || data[0]&0x1f == 0x1f {
			return 0
		}
		l := int(data[1])
		pos := 2
		switch {
		case l < 0x80:
		case l == 0x81 && len(data) > 2:
			l, pos = int(data[2]), 3
		case l == 0x82 && len(data) > 3:
			l, pos = int(data[2])<<8|int(data[3]), 4
		case l == 0x83 && len(data) > 4:
			l, pos = int(data[2])<<16|int(data[3])<<8|int(data[4]), 5
		case l == 0x84 && len(data) > 5:
			l, pos = int(data[2])<<24|int(data[3])<<16|int(data[4])<<8|int(data[5]), 6
		default:
			return 0
		}
		if l < 0 || l > len(data)-pos {
			return 0
		}
		data = data[pos+l:]
		k++
	}
	return k
}

// isDER reports whether n and everything inside it uses definite,
// minimal lengths and primitive strings, so that n.raw is already DER
// (apart from the SET OF ordering, which receivers keep as sent).
func (n *node) isDER() bool {
	if n.derKnown {
		return n.isDEREnc
	}
	if n.indefinite || !minimalLength(n) {
		return false
	}
	if n.constructed && n.class == classUniversal && isStringTag(n.tag) {
		return false
	}
	kids := n.children()
	for i := range kids {
		if !kids[i].isDER() {
			return false
		}
	}
	return true
}

// minimalLength reports whether n's length octets are the shortest form.
func minimalLength(n *node) bool {
	hdr := len(n.raw) - len(n.content)
	var buf [16]byte // a header is at most 1+5 tag and 1+8 length octets
	want := len(appendHeader(buf[:0], n.class, n.tag, n.constructed, len(n.content)))
	return hdr == want
}

func isStringTag(tag uint32) bool {
	switch tag {
	case tagBitString, tagOctetString, tagUTF8String, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30:
		return true
	}
	return false
}

// der returns the DER encoding of n: definite minimal lengths, constructed
// strings joined into primitive ones. SET OF elements keep their received
// order, as RFC 5652 section 5.4 receivers do when they rebuild the
// signed attributes.
func (n *node) der() ([]byte, error) {
	if n.isDER() {
		return n.raw, nil
	}
	return n.appendDER(nil, n.class, n.tag)
}

// derAs returns the DER of n with the identifier replaced by class and
// tag, as an IMPLICIT tag is undone.
func (n *node) derAs(class int, tag uint32) ([]byte, error) {
	if !n.isDER() {
		return n.appendDER(nil, class, tag)
	}
	var buf [16]byte
	h := appendHeader(buf[:0], class, tag, n.constructed, len(n.content))
	out := make([]byte, 0, len(h)+len(n.content))
	return append(append(out, h...), n.content...), nil
}

// appendDER appends the DER of n with the identifier replaced by class
// and tag.
func (n *node) appendDER(dst []byte, class int, tag uint32) ([]byte, error) {
	if n.constructed && n.class == classUniversal && isStringTag(n.tag) {
		if n.tag == tagBitString {
			return nil, malformed("constructed BIT STRING")
		}
		s, err := n.stringBytes()
		if err != nil {
			return nil, err
		}
		dst = appendHeader(dst, class, tag, false, len(s))
		return append(dst, s...), nil
	}
	if !n.constructed {
		dst = appendHeader(dst, class, tag, false, len(n.content))
		return append(dst, n.content...), nil
	}
	var body []byte
	kids := n.children()
	for i := range kids {
		c := &kids[i]
		if c.isDER() {
			body = append(body, c.raw...)
			continue
		}
		var err error
		if body, err = c.appendDER(body, c.class, c.tag); err != nil {
			return nil, err
		}
	}
	dst = appendHeader(dst, class, tag, true, len(body))
	return append(dst, body...), nil
}

// stringBytes returns the value of a string type, joining the segments of
// a constructed (BER) encoding.
func (n *node) stringBytes() ([]byte, error) {
	if !n.constructed {
		return n.content, nil
	}
	var out bytes.Buffer
	var walk func(m *node) error
	walk = func(m *node) error {
		kids := m.children()
		for i := range kids {
			c := &kids[i]
			if c.class != classUniversal || c.tag != n.tag {
				return malformed("constructed string holds a foreign element")
			}
			if c.constructed {
				if err := walk(c); err != nil {
					return err
				}
				continue
			}
			out.Write(c.content)
		}
		return nil
	}
	if err := walk(n); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// appendHeader appends an identifier and a minimal definite length.
func appendHeader(dst []byte, class int, tag uint32, constructed bool, length int) []byte {
	b := byte(class) << 6
	if constructed {
		b |= 0x20
	}
	if tag < 0x1f {
		dst = append(dst, b|byte(tag))
	} else {
		dst = append(dst, b|0x1f)
		var digits [5]byte
		i := len(digits)
		for t := tag; ; t >>= 7 {
			i--
			digits[i] = byte(t & 0x7f)
			if t < 0x80 {
				break
			}
		}
		for j := i; j < len(digits)-1; j++ {
			digits[j] |= 0x80
		}
		dst = append(dst, digits[i:]...)
	}
	return appendLength(dst, length)
}

func appendLength(dst []byte, length int) []byte {
	switch {
	case length < 0x80:
		return append(dst, byte(length))
	case length < 1<<8:
		return append(dst, 0x81, byte(length))
	case length < 1<<16:
		return append(dst, 0x82, byte(length>>8), byte(length))
	case length < 1<<24:
		return append(dst, 0x83, byte(length>>16), byte(length>>8), byte(length))
	default:
		return append(dst, 0x84, byte(length>>24), byte(length>>16), byte(length>>8), byte(length))
	}
}
