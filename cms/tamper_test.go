package cms

import (
	"bytes"
	"errors"
	"testing"

	"github.com/zavera/zavera/cert"
)

// TestTamperEveryByte flips one bit in every byte of an attached GOST
// signature that carries the signer's whole chain: each change must be
// refused, never accepted and never a panic. This includes the outer
// signatureAlgorithm of the intermediate CA's certificate, which no
// signature covers and which the certificate parser must hold equal to the
// signed one.
func TestTamperEveryByte(t *testing.T) {
	p := newPKI(t, specGOST256)
	leaf := p.leaf(t, "leaf", specGOST256)
	sig, err := Sign(bytes.NewReader([]byte("Заявка на создание организации")), p.signer(leaf), &Options{Attached: true, IncludeChain: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(sig, p.inter.cert.Raw) {
		t.Fatal("the signature should carry the intermediate certificate")
	}
	opts := func() *VerifyOptions {
		return &VerifyOptions{Roots: []*cert.Certificate{p.root.cert}}
	}
	if _, err := Verify(sig, opts()); err != nil {
		t.Fatalf("untouched signature: %v", err)
	}
	for i := range sig {
		for _, bit := range []byte{0x01, 0x80} {
			mod := bytes.Clone(sig)
			mod[i] ^= bit
			if _, err := Verify(mod, opts()); err == nil {
				t.Errorf("byte %d ^ %#x accepted", i, bit)
			}
		}
	}
}

// TestTamperErrors changes one part of a detached signature at a time and
// checks that the error names what was changed.
func TestTamperErrors(t *testing.T) {
	for _, spec := range []keySpec{specGOST256, specGOST512, specP256, specRSA} {
		t.Run(spec.name, func(t *testing.T) {
			p := newPKI(t, spec)
			leaf := p.leaf(t, "leaf", spec)
			content := []byte("Бухгалтерская отчётность")
			sig, err := Sign(bytes.NewReader(content), p.signer(leaf), nil)
			if err != nil {
				t.Fatal(err)
			}
			sd, err := Parse(sig)
			if err != nil {
				t.Fatal(err)
			}
			si := sd.SignerInfos[0]
			verify := func(sig, content []byte) error {
				_, err := Verify(sig, &VerifyOptions{Content: bytes.NewReader(content), Roots: []*cert.Certificate{p.root.cert}, Intermediates: []*cert.Certificate{p.inter.cert}})
				return err
			}
			if err := verify(sig, content); err != nil {
				t.Fatalf("untouched: %v", err)
			}
			// flipIn flips a bit of part, found in the signature after
			// the start of what.
			flipIn := func(part []byte, offset int, after []byte) []byte {
				start := bytes.Index(sig, after)
				i := bytes.Index(sig[start:], part)
				if start < 0 || i < 0 {
					t.Fatal("part not found")
				}
				mod := bytes.Clone(sig)
				mod[start+i+offset] ^= 0x01
				return mod
			}
			// The content.
			bad := bytes.Clone(content)
			bad[len(bad)-1] ^= 1
			if err := verify(sig, bad); !errors.Is(err, ErrMessageDigest) {
				t.Errorf("content: %v, want ErrMessageDigest", err)
			}
			// The signingTime value inside the signed attributes.
			st, _ := si.Attribute(oidAttrSigningTime)
			if err := verify(flipIn(st[0], len(st[0])-2, si.Raw), content); !errors.Is(err, ErrSignature) {
				t.Errorf("signed attributes: %v, want ErrSignature", err)
			}
			// The messageDigest value: the signature breaks too, but the
			// digest check comes first.
			md, _, _ := si.MessageDigest()
			if err := verify(flipIn(md, 3, si.Raw), content); !errors.Is(err, ErrMessageDigest) {
				t.Errorf("messageDigest: %v, want ErrMessageDigest", err)
			}
			// The signature value.
			if err := verify(flipIn(si.Signature, len(si.Signature)/2, si.Raw), content); !errors.Is(err, ErrSignature) {
				t.Errorf("signature: %v, want ErrSignature", err)
			}
			// The certificate's own signature value: the key still parses,
			// but the certificate is no longer the one signed for.
			c := leaf.cert
			if err := verify(flipIn(c.Raw, len(c.Raw)-3, sig), content); !errors.Is(err, ErrSigningCertificate) {
				t.Errorf("certificate: %v, want ErrSigningCertificate", err)
			}
		})
	}
}
