package xmldsig

import (
	"bytes"
	"os"
	"testing"
)

// Any input gives a result or an error, never a panic; what parses has a
// canonical form that parses again to the same canonical form.
func FuzzVerifyAndCanonicalize(f *testing.F) {
	for _, d := range c14nDocs {
		f.Add([]byte(d))
	}
	if smev, err := os.ReadFile("testdata/smev3-response.xml"); err == nil {
		f.Add(smev)
	}
	f.Add([]byte(`<a xmlns:p="u"><p:b p:c="1"/></a>`))
	f.Add([]byte(`<Signature xmlns="` + Namespace + `"><SignedInfo><Reference URI="#x"/></SignedInfo><SignatureValue/></Signature>`))
	f.Fuzz(func(t *testing.T, src []byte) {
		Verify(src)
		doc, err := parse(src)
		if err != nil {
			return
		}
		for _, m := range []c14nMethod{{}, {exclusive: true, comments: true}} {
			first := canonicalize(doc, nil, nil, m)
			again, err := parse(first)
			if err != nil {
				t.Fatalf("the canonical form does not parse: %v\n%q", err, first)
			}
			if second := canonicalize(again, nil, nil, m); !bytes.Equal(first, second) {
				t.Fatalf("canonicalization is not idempotent:\n%q\n%q", first, second)
			}
		}
		smevTransform(doc, nil, nil)
	})
}
