package cms

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// algorithmProtection encodes a CMSAlgorithmProtection attribute (RFC 6211).
func algorithmProtection(digest, sig asn1.ObjectIdentifier) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidAttrAlgorithmProtection)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				addAlgorithm(b, AlgorithmIdentifier{Algorithm: digest})
				b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(sig)
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// TestAlgorithmProtection checks RFC 6211: the attribute must name the
// SignerInfo's algorithms; OpenSSL agrees on the matching case.
func TestAlgorithmProtection(t *testing.T) {
	p := newPKI(t, specGOST256)
	leaf := p.leaf(t, "leaf", specGOST256)
	content := []byte("content")
	for _, tc := range []struct {
		name        string
		digest, sig asn1.ObjectIdentifier
		wantErr     error
	}{
		{"matching", oidStreebog256, oidGOST256Key, nil},
		{"other digest", oidStreebog512, oidGOST256Key, ErrAlgorithmProtection},
		{"other signature", oidStreebog256, oidGOST256Signature, ErrAlgorithmProtection},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := &Options{extraAttributes: [][]byte{algorithmProtection(tc.digest, tc.sig)}}
			sig, err := Sign(bytes.NewReader(content), p.signer(leaf), opts)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Verify(sig, &VerifyOptions{Content: bytes.NewReader(content)})
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, tc.wantErr)
			}
			c, ok := res.Signers[0].Check(CheckAlgorithmProtection)
			if !ok || (c.Outcome == Passed) != (tc.wantErr == nil) {
				t.Errorf("check %+v", c)
			}
			if tc.wantErr == nil {
				pv := *p
				pv.rootCertFile = write(t, p.dir, "bundle.pem", string(readFile(t, p.rootCertFile))+string(readFile(t, p.inter.certFile)))
				if err := opensslVerify(t, &pv, sig, content); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
