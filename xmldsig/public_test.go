package xmldsig

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/zavera/zavera/gost"
)

// A signature made elsewhere (SMEV's test environment, see
// testdata/README.md): the signature over SignedInfo, canonicalized here,
// verifies with the certificate it carries, so the canonical form of a
// SignedInfo in context and the layout of the signature value agree with
// what SMEV's own software makes. The reference uses SMEV's transform,
// which Verify reports as not supported rather than as valid or invalid.
func TestPublicSMEVSignatureOverSignedInfo(t *testing.T) {
	src, err := os.ReadFile("testdata/smev3-response.xml")
	if err != nil {
		t.Fatal(err)
	}
	check := func(src []byte) error {
		doc, err := parse(src)
		if err != nil {
			t.Fatal(err)
		}
		sig := signatures(doc)[0]
		canon, err := canonicalSignedInfo(doc, sig.child(Namespace, "SignedInfo"))
		if err != nil {
			t.Fatal(err)
		}
		value, err := decode64(sig.child(Namespace, "SignatureValue").textContent())
		if err != nil {
			t.Fatal(err)
		}
		res, err := Verify(src)
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(res[0].Err, ErrUnsupported) || res[0].Certificate == nil {
			t.Fatalf("Verify: %+v", res[0])
		}
		h := signedInfoHash(32)()
		h.Write(canon)
		return res[0].Certificate.PublicKey.(*gost.PublicKey).Verify(h.Sum(nil), value)
	}
	if err := check(src); err != nil {
		t.Fatalf("SMEV's signature over SignedInfo: %v", err)
	}
	bad := strings.Replace(string(src), "nfJ2vH/u1V88", "nfJ2vH/u1V89", 1)
	if err := check([]byte(bad)); err == nil {
		t.Fatal("a changed DigestValue still verifies")
	}
}
