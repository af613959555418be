package xmldsig

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// A signature made elsewhere (SMEV's test environment, see
// testdata/README.md) verifies: its reference, through Exclusive
// Canonicalization and SMEV's transform, has the DigestValue SMEV's
// software computed, and the signature over SignedInfo verifies with the
// certificate it carries. A change to the signed content or to SignedInfo
// is caught.
func TestPublicSMEVSignatureVerifies(t *testing.T) {
	src, err := os.ReadFile("testdata/smev3-response.xml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Err != nil || res[0].Certificate == nil || len(res[0].References) != 1 ||
		res[0].References[0].URI != "#SIGNED_BY_SMEV" || res[0].SignatureMethod != SignatureGOST2012_256 {
		t.Fatalf("SMEV's signature: %+v", res)
	}
	if cn := res[0].Certificate.Subject.CommonName; cn != `АО "РТ Лабс"` {
		t.Errorf("signer %q", cn)
	}
	for _, c := range []struct {
		from, to string
		want     error
	}{
		{"<tns:status>VALID<", "<tns:status>INVALID<", ErrDigestMismatch},
		{"nfJ2vH/u1V88", "nfJ2vH/u1V89", ErrDigestMismatch},
	} {
		bad := strings.Replace(string(src), c.from, c.to, 1)
		res, err := Verify([]byte(bad))
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(res[0].Err, c.want) {
			t.Errorf("changed %q: %v, want %v", c.from, res[0].Err, c.want)
		}
	}
	// SignedInfo changed where the digest is not: the signature fails.
	bad := strings.Replace(string(src), `<ds:Reference URI="#SIGNED_BY_SMEV">`, `<ds:Reference URI="#SIGNED_BY_SMEV" Type="x">`, 1)
	if res, _ := Verify([]byte(bad)); !errors.Is(res[0].Err, ErrBadSignature) {
		t.Errorf("a changed SignedInfo: %v", res[0].Err)
	}
}

// SMEV's transform renames prefixes in order, declares each namespace
// once where it is first needed, sorts attributes (those with a
// namespace first), drops white space between elements and writes empty
// elements as pairs.
func TestSMEVTransform(t *testing.T) {
	doc, err := parse([]byte(`<?xml version="1.0"?><!-- c --><a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns:u="urn:unused" z="1" b:y="2" a:x="3">
  <b:e/>  <a:t>x &amp; &lt;y&gt; "q"</a:t><c xmlns="urn:a" b:k="&quot;"/></a:r>`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := smevTransform(doc, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `<ns1:r xmlns:ns1="urn:a" xmlns:ns2="urn:b" ns1:x="3" ns2:y="2" z="1"><ns2:e></ns2:e><ns1:t>x &amp; &lt;y&gt; "q"</ns1:t><ns1:c ns2:k="&quot;"></ns1:c></ns1:r>`
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := parse([]byte(`<a><b/></a>`)); err != nil {
		t.Fatal(err)
	}
	d2, _ := parse([]byte(`<a/>`))
	if _, err := smevTransform(d2, nil, nil); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("an element without a namespace: %v", err)
	}
}
