package cms

import (
	"bytes"
	"errors"
	"testing"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost/streebog"
)

// TestAttachedAround: the parts around the content make an attached
// signature that OpenSSL and Verify accept, carrying the content, and
// only a detached DER signature is taken.
func TestAttachedAround(t *testing.T) {
	p := newPKI(t, specGOST256)
	leaf := p.leaf(t, "leaf", specGOST256)
	roots := []*cert.Certificate{p.root.cert}
	for _, n := range []int{0, 5, 200, 70000} {
		content := bytes.Repeat([]byte("г"), n)[:n]
		sum := streebog.Sum256(content)
		det, err := SignDigest(sum[:], p.signer(leaf), &Options{IncludeChain: true})
		if err != nil {
			t.Fatal(err)
		}
		prefix, suffix, err := AttachedAround(det, int64(n))
		if err != nil {
			t.Fatal(err)
		}
		att := append(append(append([]byte{}, prefix...), content...), suffix...)
		r, err := Verify(att, &VerifyOptions{Roots: roots})
		if err != nil {
			t.Fatalf("%d bytes: Verify: %v", n, err)
		}
		if !bytes.Equal(r.SignedData.Content, content) {
			t.Fatalf("%d bytes: content %d bytes", n, len(r.SignedData.Content))
		}
		if err := opensslVerify(t, p, att, nil); err != nil {
			t.Fatalf("%d bytes: openssl: %v", n, err)
		}
		// Other bytes of the same length fail the messageDigest.
		if n > 0 {
			other := bytes.Clone(att)
			other[len(prefix)] ^= 1
			if _, err := Verify(other, &VerifyOptions{Roots: roots}); !errors.Is(err, ErrMessageDigest) {
				t.Fatalf("%d bytes: changed content: %v", n, err)
			}
		}
		if _, _, err := AttachedAround(att, int64(n)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("an attached signature taken: %v", err)
		}
	}
	// Lengths past 4 GiB are written in full.
	if got := appendLength64(nil, 5<<30); !bytes.Equal(got, []byte{0x85, 0x01, 0x40, 0, 0, 0}) {
		t.Fatalf("length 5 GiB: % x", got)
	}
}
