package cms

import (
	"bytes"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/zavera/zavera/cert"
)

// testContentType is a UUID-based OID (ITU-T X.667) whose last arc does not
// fit in 64 bits, as protocol content types are.
var testContentType = func() x509.OID {
	oid, err := x509.ParseOID("2.25.329800735698586629295641978511506172918")
	if err != nil {
		panic(err)
	}
	return oid
}()

// TestContentTypeOption signs with a content type other than id-data:
// eContentType and the contentType attribute carry it, the SignedData is
// version 3, this package and OpenSSL verify it, and it cannot be
// co-signed.
func TestContentTypeOption(t *testing.T) {
	for _, spec := range []keySpec{specGOST256, specGOST512, specP256} {
		t.Run(spec.name, func(t *testing.T) {
			t.Parallel()
			p := newPKI(t, spec)
			leaf := p.leaf(t, "leaf", spec)
			content := []byte("zavera-test-v1\nfield=value\n")
			opts := &Options{ContentType: testContentType, IncludeChain: true}
			detached, err := Sign(bytes.NewReader(content), p.signer(leaf), opts)
			if err != nil {
				t.Fatal(err)
			}
			attached, err := Sign(bytes.NewReader(content), p.signer(leaf), &Options{ContentType: testContentType, IncludeChain: true, Attached: true})
			if err != nil {
				t.Fatal(err)
			}
			var streamed bytes.Buffer
			if err := SignTo(&streamed, bytes.NewReader(content), p.signer(leaf), &Options{ContentType: testContentType, IncludeChain: true, Attached: true}); err != nil {
				t.Fatal(err)
			}
			digest := mustDigest(t, leaf, content)
			overHash, err := SignDigest(digest, p.signer(leaf), opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				name    string
				sig     []byte
				content []byte
			}{
				{"detached", detached, content},
				{"over a hash", overHash, content},
				{"attached", attached, nil},
				{"streamed", streamed.Bytes(), nil},
			} {
				sd, err := Parse(tc.sig)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if sd.Version != 3 || !sd.ContentType.Equal(testContentType) {
					t.Errorf("%s: version %d, eContentType %v", tc.name, sd.Version, sd.ContentType)
				}
				vals, ok := sd.SignerInfos[0].Attribute(oidAttrContentType)
				if !ok || len(vals) != 1 {
					t.Fatalf("%s: contentType attribute %v", tc.name, vals)
				}
				if got, err := parseAnyOID(vals[0]); err != nil || !got.Equal(testContentType) {
					t.Errorf("%s: contentType attribute %v, %v", tc.name, got, err)
				}
				vo := &VerifyOptions{Roots: []*cert.Certificate{p.root.cert}}
				if tc.content != nil {
					vo.Content = bytes.NewReader(tc.content)
				}
				res, err := Verify(tc.sig, vo)
				if err != nil {
					t.Fatalf("%s: %v\n%v", tc.name, err, res)
				}
				assertAllPassed(t, tc.name, res, CheckContentType, CheckMessageDigest, CheckSignature, CheckSigningCertificate, CheckChain)
				if err := opensslVerify(t, p, tc.sig, tc.content); err != nil {
					t.Errorf("%s: %v", tc.name, err)
				}
			}

			// Co-signing keeps a signature's content type for its
			// signer alone, and never writes another type.
			if _, err := AddSigner(detached, bytes.NewReader(content), p.signer(leaf), nil); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("co-signing a signature of another type: %v", err)
			}
			doc, err := Sign(bytes.NewReader(content), p.signer(leaf), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := AddSignerDigest(doc, digest, p.signer(leaf), opts); !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("co-signing a document with another type: %v", err)
			}
		})
	}
}

// TestContentTypeData: id-data given explicitly writes what the zero
// value writes, a version 1 SignedData.
func TestContentTypeData(t *testing.T) {
	p := newPKI(t, specP256)
	leaf := p.leaf(t, "leaf", specP256)
	sig, err := Sign(bytes.NewReader([]byte("x")), p.signer(leaf), &Options{ContentType: oidDataOID})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Version != 1 || !sd.ContentType.Equal(oidDataOID) {
		t.Fatalf("version %d, eContentType %v", sd.Version, sd.ContentType)
	}
}

func mustDigest(t *testing.T, leaf *party, content []byte) []byte {
	t.Helper()
	h, err := NewHash(leaf.cert.PublicKey, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.Write(content)
	return h.Sum(nil)
}
