package gost

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// pkcs8With builds a PrivateKeyInfo for c whose privateKey OCTET STRING
// holds content.
func pkcs8With(c *Curve, content []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		addAlgorithm(b, c)
		b.AddASN1OctetString(content)
	})
	return b.BytesOrPanic()
}

func TestPKCS8Forms(t *testing.T) {
	for _, name := range []string{"TCA", "A", "512A", "512C"} {
		c, _ := CurveByName(name)
		key, _ := GenerateKey(c, nil)
		d := key.Bytes()
		dv := new(big.Int).SetBytes(reversed(d))
		q := c.prm.q

		// Masked: d' = d·m^-1 mod q, stored as LE(d') || LE(m).
		m := big.NewInt(0x1234567)
		dm := new(big.Int).ModInverse(m, q)
		dm.Mul(dm, dv).Mod(dm, q)
		masked := append(leBytes(dm, c.Size()), leBytes(m, c.Size())...)

		var wrapped, integer, seq cryptobyte.Builder
		wrapped.AddASN1OctetString(d)
		integer.AddASN1BigInt(dv)
		seq.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(masked)
			b.AddASN1OctetString(key.PublicKey().Bytes())
		})
		forms := map[string][]byte{
			"raw":        d,
			"masked":     masked,
			"wrapped":    wrapped.BytesOrPanic(),
			"integer":    integer.BytesOrPanic(),
			"masked seq": seq.BytesOrPanic(),
		}
		for form, content := range forms {
			got, err := ParsePKCS8PrivateKey(pkcs8With(c, content))
			if err != nil {
				t.Errorf("%s %s: %v", name, form, err)
				continue
			}
			if !got.Equal(key) {
				t.Errorf("%s %s: another key", name, form)
			}
		}
	}
}

func TestEncodingHostile(t *testing.T) {
	c, _ := CurveByName("512B")
	key, _ := GenerateKey(c, nil)
	spki, _ := MarshalPKIXPublicKey(key.PublicKey())
	p8, _ := MarshalPKCS8PrivateKey(key)

	if p, err := ParsePKIXPublicKey(spki); err != nil || !p.Equal(key.PublicKey()) {
		t.Fatalf("round trip SPKI: %v", err)
	}
	if k, err := ParsePKCS8PrivateKey(p8); err != nil || !k.Equal(key) {
		t.Fatalf("round trip PKCS#8: %v", err)
	}
	for i := 0; i < len(spki); i++ {
		if _, err := ParsePKIXPublicKey(spki[:i]); err == nil {
			t.Fatalf("SPKI truncated to %d bytes parses", i)
		}
	}
	for i := 0; i < len(p8); i++ {
		if _, err := ParsePKCS8PrivateKey(p8[:i]); err == nil {
			t.Fatalf("PKCS#8 truncated to %d bytes parses", i)
		}
	}
	if _, err := ParsePKIXPublicKey(append(append([]byte(nil), spki...), 0)); !errors.Is(err, ErrMalformedKey) {
		t.Errorf("SPKI with trailing data: %v", err)
	}
	if _, err := ParsePKCS8PrivateKey(append(append([]byte(nil), p8...), 0, 0)); !errors.Is(err, ErrMalformedKey) {
		t.Errorf("PKCS#8 with trailing data: %v", err)
	}
	// A long-form length where the short form fits is not DER.
	nonMinimal := append([]byte{0x30, 0x81, byte(len(spki) - 2)}, spki[2:]...)
	if spki[1] < 0x80 {
		if _, err := ParsePKIXPublicKey(nonMinimal); err == nil {
			t.Error("non-minimal length accepted")
		}
	}

	pubRaw := octetString(key.PublicKey().Bytes())
	params := func(oids ...asn1.ObjectIdentifier) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, o := range oids {
				b.AddASN1ObjectIdentifier(o)
			}
		})
		return b.BytesOrPanic()
	}
	unknownSet := asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 2, 9}
	cases := []struct {
		name   string
		alg    asn1.ObjectIdentifier
		params []byte
		key    []byte
		want   error
	}{
		{"unknown parameter set", oidKey512, params(unknownSet), pubRaw, ErrUnknownParamSet},
		{"RSA algorithm", asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, params(c.prm.oid), pubRaw, ErrMalformedKey},
		{"256-bit algorithm with a 512-bit set", oidKey256, params(c.prm.oid), pubRaw, ErrMalformedKey},
		{"NULL parameters", oidKey512, []byte{5, 0}, pubRaw, ErrMalformedKey},
		{"empty parameters", oidKey512, params(), pubRaw, ErrMalformedKey},
		{"parameters with trailing data", oidKey512, append(params(c.prm.oid), 0), pubRaw, ErrMalformedKey},
		{"key not an OCTET STRING", oidKey512, params(c.prm.oid), key.PublicKey().Bytes(), ErrMalformedKey},
		{"key with trailing data", oidKey512, params(c.prm.oid), append(append([]byte(nil), pubRaw...), 4, 0), ErrMalformedKey},
		{"short point", oidKey512, params(c.prm.oid), octetString(key.PublicKey().Bytes()[:127]), ErrInvalidPublicKey},
		{"point off the curve", oidKey512, params(c.prm.oid), octetString(bytes.Repeat([]byte{1}, 128)), ErrInvalidPublicKey},
	}
	for _, tc := range cases {
		if _, err := ParsePublicKeyInfo(tc.alg, tc.params, tc.key); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	// The digestParamSet is optional on input, and a 2001 key is read as a
	// 256-bit key.
	cpa, _ := CurveByName("A")
	k256, _ := GenerateKey(cpa, nil)
	raw256 := octetString(k256.PublicKey().Bytes())
	if p, err := ParsePublicKeyInfo(oidKey2001, params(cpa.prm.oid, asn1.ObjectIdentifier{1, 2, 643, 2, 2, 30, 1}), raw256); err != nil || !p.Equal(k256.PublicKey()) {
		t.Errorf("GOST 2001 key: %v", err)
	}
	if p, err := ParsePublicKeyInfo(oidKey256, params(cpa.prm.oid), raw256); err != nil || !p.Equal(k256.PublicKey()) {
		t.Errorf("key without digestParamSet: %v", err)
	}

	// Private keys out of range or malformed.
	zero := make([]byte, 64)
	for name, content := range map[string][]byte{
		"zero scalar":       zero,
		"scalar = q":        leBytes(c.prm.q, 64),
		"odd length":        make([]byte, 63),
		"empty":             nil,
		"negative INTEGER":  {2, 1, 0x80},
		"huge INTEGER":      append([]byte{2, 65, 1}, zero...),
		"short wrapped":     {4, 2, 1, 2},
		"bad masked seq":    {0x30, 3, 4, 1, 1},
		"unknown first tag": {0x13, 1, 'a'},
	} {
		_, err := ParsePKCS8PrivateKey(pkcs8With(c, content))
		if !errors.Is(err, ErrMalformedKey) && !errors.Is(err, ErrInvalidPrivateKey) {
			t.Errorf("PKCS#8 %s: got %v", name, err)
		}
	}
}
