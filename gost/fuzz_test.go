package gost

import (
	"testing"
)

// The fuzz targets check that hostile bytes give an error, never a panic;
// `go test` runs them on their seeds.

func FuzzVerify(f *testing.F) {
	c, _ := CurveByName("test256")
	key, _ := NewPrivateKey(c, leHex(f, "7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28"))
	digest := make([]byte, 32)
	sig, _ := key.Sign(nil, digest, nil)
	f.Add(digest, sig)
	f.Add([]byte{}, []byte{})
	f.Add(digest, make([]byte, 64))
	f.Add(digest[:31], sig[:63])
	pub := key.PublicKey()
	f.Fuzz(func(t *testing.T, digest, sig []byte) {
		_ = pub.Verify(digest, sig)
	})
}

func FuzzNewPublicKey(f *testing.F) {
	for _, c := range []string{"TCA", "512C"} {
		cv, _ := CurveByName(c)
		k, _ := GenerateKey(cv, nil)
		f.Add(k.PublicKey().Bytes())
	}
	f.Add(make([]byte, 64))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, c := range Curves() {
			p, err := NewPublicKey(c, raw)
			if err == nil && p == nil {
				t.Fatal("nil key without error")
			}
		}
	})
}

func FuzzParsePKIXPublicKey(f *testing.F) {
	for _, c := range Curves() {
		k, _ := GenerateKey(c, nil)
		der, _ := MarshalPKIXPublicKey(k.PublicKey())
		f.Add(der)
	}
	f.Add([]byte{0x30, 0x80, 0, 0})
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, der []byte) {
		p, err := ParsePKIXPublicKey(der)
		if err != nil {
			return
		}
		out, err := MarshalPKIXPublicKey(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParsePKIXPublicKey(out); err != nil {
			t.Fatalf("re-encoded key does not parse: %v", err)
		}
	})
}

func FuzzParsePKCS8PrivateKey(f *testing.F) {
	for _, c := range Curves() {
		k, _ := GenerateKey(c, nil)
		der, _ := MarshalPKCS8PrivateKey(k)
		f.Add(der)
	}
	c, _ := CurveByName("A")
	f.Add(pkcs8With(c, []byte{2, 1, 5}))
	f.Add(pkcs8With(c, []byte{4, 1, 5}))
	f.Add(pkcs8With(c, []byte{0x30, 3, 4, 1, 5}))
	f.Add(pkcs8With(c, make([]byte, 96)))
	f.Fuzz(func(t *testing.T, der []byte) {
		k, err := ParsePKCS8PrivateKey(der)
		if err != nil {
			return
		}
		digest := make([]byte, k.Curve().Size())
		sig, err := k.Sign(nil, digest, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.PublicKey().Verify(digest, sig); err != nil {
			t.Fatalf("parsed key's signature does not verify: %v", err)
		}
	})
}
