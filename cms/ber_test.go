package cms

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseBERHostile feeds encodings that are wrong in the ways attackers
// and broken encoders get them wrong: each must give ErrMalformed.
func TestParseBERHostile(t *testing.T) {
	tests := []struct{ name, hex string }{
		{"empty", ""},
		{"tag only", "30"},
		{"length beyond input", "30 05 02 01 01"},
		{"huge length", "30 84 ff ff ff ff 00"},
		{"length of 5 octets", "30 85 01 00 00 00 00"},
		{"length of 8 octets", "04 88 00 00 00 00 00 00 00 01 00"},
		{"reserved length octet", "30 ff"},
		{"truncated long length", "30 82 01"},
		{"indefinite primitive", "04 80 00 00"},
		{"indefinite without end", "30 80 02 01 01"},
		{"end-of-contents missing half", "30 80 02 01 01 00"},
		{"trailing data", "30 03 02 01 01 00"},
		{"child overruns parent", "30 03 02 05 01 02 03 04 05"},
		{"truncated high tag", "1f 81"},
		{"non-minimal high tag", "1f 80 01 00"},
		{"high form for low tag", "1f 05 00"},
		{"tag number too large", "1f ff ff ff ff 7f 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseBER(unhex(t, tc.hex))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
}

// TestParseBERDeepNesting checks that nesting beyond the limit is refused
// (without exhausting the stack), definite and indefinite.
func TestParseBERDeepNesting(t *testing.T) {
	var indef []byte
	for range 100000 {
		indef = append(indef, 0x30, 0x80)
	}
	for range 100000 {
		indef = append(indef, 0, 0)
	}
	if _, err := parseBER(indef); !errors.Is(err, ErrMalformed) {
		t.Errorf("indefinite: %v", err)
	}
	def := []byte{0x05, 0x00}
	for range 200 {
		def = append(appendHeader(nil, classUniversal, tagSequence, true, len(def)), def...)
	}
	if _, err := parseBER(def); !errors.Is(err, ErrMalformed) {
		t.Errorf("definite: %v", err)
	}
	// Just under the limit parses.
	ok := []byte{0x05, 0x00}
	for range maxDepth {
		ok = append(appendHeader(nil, classUniversal, tagSequence, true, len(ok)), ok...)
	}
	if _, err := parseBER(ok); err != nil {
		t.Errorf("depth %d: %v", maxDepth, err)
	}
}

// TestBERToDER converts BER forms to DER.
func TestBERToDER(t *testing.T) {
	tests := []struct{ name, ber, der string }{
		{"already DER", "30 03 02 01 05", "30 03 02 01 05"},
		{"indefinite sequence", "30 80 02 01 05 00 00", "30 03 02 01 05"},
		{"non-minimal length", "30 81 03 02 01 05", "30 03 02 01 05"},
		{"constructed octet string", "24 80 04 02 61 62 04 01 63 00 00", "04 03 61 62 63"},
		{"nested constructed octet string", "24 0a 24 04 04 02 61 62 04 02 63 64", "04 04 61 62 63 64"},
		{"high tag", "bf 81 00 80 05 00 00 00", "bf 81 00 02 05 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := parseBER(unhex(t, tc.ber))
			if err != nil {
				t.Fatal(err)
			}
			got, err := n.der()
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tc.der); !bytes.Equal(got, want) {
				t.Fatalf("got % x, want % x", got, want)
			}
		})
	}
	// A constructed string holding something else is refused.
	n, err := parseBER(unhex(t, "24 03 02 01 05"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.der(); !errors.Is(err, ErrMalformed) {
		t.Errorf("foreign element in a constructed string: %v", err)
	}
}

// TestParseHostileSignedData checks structural errors above the BER level.
func TestParseHostileSignedData(t *testing.T) {
	tests := []struct{ name, hex string }{
		{"not a sequence", "04 00"},
		{"wrong content type", "30 0d 06 09 2a 86 48 86 f7 0d 01 07 01 a0 00"},
		{"no content", "30 0b 06 09 2a 86 48 86 f7 0d 01 07 02"},
		{"empty signed data", "30 11 06 09 2a 86 48 86 f7 0d 01 07 02 a0 04 30 02 05 00"},
		{"version 2", "30 1a 06 09 2a 86 48 86 f7 0d 01 07 02 a0 0d 30 0b 02 01 02 31 00 30 04 06 02 2a 03 31 00"},
		{"no signer infos", "30 18 06 09 2a 86 48 86 f7 0d 01 07 02 a0 0b 30 09 02 01 01 31 00 30 02 06 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(unhex(t, tc.hex))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
	// Verify reports the same without a panic.
	if _, err := Verify([]byte("not a signature at all"), nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("Verify of text: %v", err)
	}
}

// TestDecodeFormats checks that the encodings users have are read alike.
func TestDecodeFormats(t *testing.T) {
	dir := realworldDir(t)
	der, err := Decode(readFile(t, filepath.Join(dir, "cms_gost2012-256_detached_esia-client-secret_vtb_2022.b64url")))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cms_gost2012-512_attached_tc26-example_signed_a111.pem", "cms_gost2012-256_attached_cryptopro-csp_pycryptoprosdk_sign.sig.b64"} {
		if _, err := Decode(readFile(t, filepath.Join(dir, f))); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := Parse(der); err != nil {
		t.Errorf("URL-safe base64: %v", err)
	}
	for _, bad := range []string{"", "   ", "-----BEGIN CMS-----\n!!!\n", "@@@@", "AAAA"} {
		if _, err := Decode([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%q) = %v, want ErrMalformed", bad, err)
		}
	}
}

// FuzzParse checks that no input makes the parser panic, and that what
// parses survives Verify without a panic too.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "realworld", "cms_*"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			if der, err := Decode(data); err == nil {
				f.Add(der)
			}
		}
	}
	f.Add([]byte{0x30, 0x80, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		sd, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not wrapping ErrMalformed: %v", err)
			}
			return
		}
		res, _ := Verify(data, &VerifyOptions{Digest: make([]byte, 32)})
		if res == nil || len(res.Signers) != len(sd.SignerInfos) {
			t.Fatal("no result for a signature that parses")
		}
	})
}

// FuzzBER checks the BER reader alone: no panic, and DER re-encoding is
// stable (the DER of DER is itself).
func FuzzBER(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x24, 0x80, 0x04, 0x01, 0x61, 0x00, 0x00, 0x00, 0x00})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x05})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := parseBER(data)
		if err != nil {
			return
		}
		d, err := n.der()
		if err != nil {
			return
		}
		m, err := parseBER(d)
		if err != nil {
			t.Fatalf("DER output does not parse: %v", err)
		}
		d2, err := m.der()
		if err != nil || !bytes.Equal(d, d2) {
			t.Fatalf("DER not stable: % x vs % x (%v)", d, d2, err)
		}
	})
}

// countConstructed counts the constructed elements of n's tree, n included.
func countConstructed(n *node) int {
	if !n.constructed {
		return 0
	}
	k := 1
	for i := range n.children() {
		k += countConstructed(&n.children()[i])
	}
	return k
}

// derWalk says whether n is DER by looking at every element inside,
// without the flags the parse keeps.
func derWalk(n *node) bool {
	if n.indefinite || !minimalLength(n) || n.constructed && n.class == classUniversal && isStringTag(n.tag) {
		return false
	}
	for i := range n.children() {
		if !derWalk(&n.children()[i]) {
			return false
		}
	}
	return true
}

// checkDERFlags compares, for every element of n's tree, the DER flag the
// parse gave with what the element holds.
func checkDERFlags(t *testing.T, n *node) int {
	t.Helper()
	if n.isDER() != derWalk(n) {
		t.Fatalf("element % x: isDER %v, holds DER %v", n.raw[:min(len(n.raw), 8)], n.isDER(), derWalk(n))
	}
	k := 1
	for i := range n.children() {
		k += checkDERFlags(t, &n.children()[i])
	}
	return k
}

// Parsing a long-term signature (its certificates, OCSP answer and two
// time-stamp tokens make nearly two thousand elements) checks them all
// but builds none until read; read, they are what the bytes hold.
func TestParseBuildsElementsWhenRead(t *testing.T) {
	for _, name := range []string{
		"cms_gost2012-256_detached_cades-x-long-type1_cryptoarm_signCadesDetached.txt.sig",
		"cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem",
		"cms_gost2001_detached_cryptopro-csp_pycryptoprosdk_doc.txt.sgn.b64",
	} {
		data, err := os.ReadFile(filepath.Join(realworldDir(t), name))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = Decode(data); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := parseBER(data); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: the parse allocated %.0f times before anything was read", name, allocs)
		}
		n, err := parseBER(data)
		if err != nil {
			t.Fatal(err)
		}
		if k := checkDERFlags(t, &n); k < 100 {
			t.Errorf("%s: %d elements", name, k)
		}
		// Read whole, the elements come from a few shared blocks, not one
		// allocation per constructed element; and the children taken from
		// a block cannot grow into a neighbour's.
		constructed := countConstructed(&n)
		allocs = testing.AllocsPerRun(20, func() {
			m, err := parseBER(data)
			if err != nil {
				t.Fatal(err)
			}
			countConstructed(&m)
		})
		if allocs*8 > float64(constructed) {
			t.Errorf("%s: %d constructed elements read with %.0f allocations", name, constructed, allocs)
		}
		// The DER of what was read lazily is that of a fresh parse.
		d, err := n.der()
		if err != nil {
			t.Fatal(err)
		}
		m, err := parseBER(d)
		if err != nil || !m.isDER() || !derWalk(&m) {
			t.Fatalf("%s: DER re-encoding does not parse as DER: %v", name, err)
		}
	}
}

// Appending to one element's children leaves its neighbours alone.
func TestArenaSlicesDoNotOverlap(t *testing.T) {
	var a nodeArena
	first, second := a.take(2), a.take(2)
	second = append(second, node{tag: 1}, node{tag: 2})
	first = append(first, node{tag: 3}, node{tag: 4}, node{tag: 5})
	if second[0].tag != 1 || second[1].tag != 2 || len(first) != 3 {
		t.Errorf("children overlap: %+v %+v", first, second)
	}
}

// An element broken deep inside, where no reader looks, still fails the
// parse.
func TestParseChecksUnreadElements(t *testing.T) {
	// SEQUENCE { SEQUENCE { SEQUENCE { INTEGER with a length past the end } } }
	for _, h := range []string{
		"30 07 30 05 30 03 02 02 05",
		"30 80 30 80 30 03 02 02 05 00 00 00 00",
		"30 80 30 80 04 01 05 00 00",
	} {
		if _, err := parseBER(unhex(t, h)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", h, err)
		}
	}
}

// headerSize agrees with the header appendHeader writes.
func TestHeaderSize(t *testing.T) {
	for _, tag := range []uint32{0, 1, 30, 31, 127, 128, 16383, 16384, maxTagNumber - 1} {
		for _, length := range []int{0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffff, 0x1000000, 1<<31 - 1} {
			if got, want := headerSize(tag, length), len(appendHeader(nil, classContext, tag, true, length)); got != want {
				t.Errorf("tag %d length %d: %d, want %d", tag, length, got, want)
			}
		}
	}
}

// A common object identifier is read into a shared value equal to what
// the bytes hold, which an append does not change; others are parsed.
func TestNodeOIDShared(t *testing.T) {
	for _, o := range []asn1.ObjectIdentifier{oidAttrMessageDigest, oidStreebog256, {1, 2, 3, 4, 5, 6}} {
		der, err := asn1.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			n, err := parseBER(der)
			if err != nil {
				t.Fatal(err)
			}
			got, err := nodeOID(&n)
			if err != nil || !got.Equal(o) {
				t.Fatalf("%v read as %v (%v)", o, got, err)
			}
			if grown := append(got, 7); len(grown) != len(o)+1 {
				t.Fatalf("appended: %v", grown)
			}
		}
	}
	// A BER length on a common identifier.
	n, err := parseBER([]byte{0x06, 0x81, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := nodeOID(&n); err != nil || !got.Equal(oidAttrMessageDigest) {
		t.Errorf("BER length: %v (%v)", got, err)
	}
}

// countElements reads every length a DER element of up to 4 GiB has.
func TestCountElementsLongLengths(t *testing.T) {
	big := make([]byte, 0x10000)
	var data []byte
	for _, n := range []int{0, 5, 0x80, 0x100, 0x10000} {
		data = append(appendHeader(data, classUniversal, tagOctetString, false, n), big[:n]...)
	}
	if k := countElements(data); k != 5 {
		t.Errorf("%d elements counted, want 5", k)
	}
	if k := countElements(data[:len(data)-1]); k != 0 {
		t.Errorf("%d elements counted in truncated data, want 0", k)
	}
}
