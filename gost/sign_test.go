package gost

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"errors"
	"math/big"
	"testing"
)

func TestSignVerifyEveryCurve(t *testing.T) {
	for _, c := range Curves() {
		t.Run(c.Name(), func(t *testing.T) {
			key, err := GenerateKey(c, nil)
			if err != nil {
				t.Fatal(err)
			}
			var signer crypto.Signer = key
			digest := make([]byte, c.Size())
			rand.Read(digest)
			sig, err := signer.Sign(rand.Reader, digest, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != 2*c.Size() {
				t.Fatalf("signature of %d bytes", len(sig))
			}
			pub := key.Public().(*PublicKey)
			if err := pub.Verify(digest, sig); err != nil {
				t.Fatalf("own signature: %v", err)
			}
			// Changing any byte of the signature or the digest breaks it.
			for i := range sig {
				bad := append([]byte(nil), sig...)
				bad[i] ^= 1 << (i % 8)
				if err := pub.Verify(digest, bad); !errors.Is(err, ErrInvalidSignature) {
					t.Fatalf("signature byte %d changed: %v", i, err)
				}
			}
			for i := range digest {
				bad := append([]byte(nil), digest...)
				bad[i] ^= 0x80
				if err := pub.Verify(bad, sig); !errors.Is(err, ErrInvalidSignature) {
					t.Fatalf("digest byte %d changed: %v", i, err)
				}
			}
			// Another key does not verify it.
			other, _ := GenerateKey(c, nil)
			if err := other.PublicKey().Verify(digest, sig); err == nil {
				t.Fatal("another key verifies the signature")
			}
			// Two signatures of the same digest differ (random nonce).
			sig2, _ := key.Sign(nil, digest, crypto.Hash(0))
			if bytes.Equal(sig, sig2) {
				t.Fatal("two signatures are equal")
			}
			// Keys round-trip through their byte forms.
			k2, err := NewPrivateKey(c, key.Bytes())
			if err != nil || !k2.Equal(key) || !k2.PublicKey().Equal(pub) {
				t.Fatalf("NewPrivateKey(Bytes()): %v", err)
			}
			p2, err := NewPublicKey(c, pub.Bytes())
			if err != nil || !p2.Equal(pub) {
				t.Fatalf("NewPublicKey(Bytes()): %v", err)
			}
		})
	}
}

// TestDigestZeroModQ checks the rule e = 1 when the digest is a multiple
// of q: a zero digest and a digest equal to q sign as if it were 1.
func TestDigestZeroModQ(t *testing.T) {
	for _, name := range []string{"TCA", "512A"} {
		c, _ := CurveByName(name)
		key, _ := GenerateKey(c, nil)
		one := make([]byte, c.Size())
		one[0] = 1
		nonce := make([]byte, c.Size())
		nonce[0] = 77
		want, err := key.signWithNonce(one, nonce)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range [][]byte{make([]byte, c.Size()), leBytes(c.prm.q, c.Size())} {
			got, err := key.signWithNonce(d, nonce)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: digest %x does not sign as e = 1", name, d)
			}
			if err := key.PublicKey().Verify(d, got); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
}

func TestHostileInput(t *testing.T) {
	c, _ := CurveByName("TCA")
	n := c.Size()
	key, _ := GenerateKey(c, nil)
	pub := key.PublicKey()
	digest := make([]byte, n)
	rand.Read(digest)
	sig, _ := key.Sign(nil, digest, nil)
	q := leBytes(c.prm.q, n)
	beQ := reversed(q)
	beQ1 := reversed(leBytes(new(big.Int).Add(c.prm.q, big.NewInt(1)), n))
	ones := bytes.Repeat([]byte{0xFF}, n)
	zero := make([]byte, n)
	s, r := sig[:n], sig[n:]
	cat := func(a, b []byte) []byte { return append(append([]byte(nil), a...), b...) }

	verifyCases := []struct {
		name   string
		digest []byte
		sig    []byte
		want   error
	}{
		{"short digest", digest[:n-1], sig, ErrInvalidDigest},
		{"long digest", cat(digest, []byte{0}), sig, ErrInvalidDigest},
		{"512-bit digest", make([]byte, 64), sig, ErrInvalidDigest},
		{"nil digest", nil, sig, ErrInvalidDigest},
		{"short signature", digest, sig[:2*n-1], ErrInvalidSignature},
		{"long signature", digest, cat(sig, []byte{0}), ErrInvalidSignature},
		{"empty signature", digest, nil, ErrInvalidSignature},
		{"r zero", digest, cat(s, zero), ErrInvalidSignature},
		{"s zero", digest, cat(zero, r), ErrInvalidSignature},
		{"r = q", digest, cat(s, beQ), ErrInvalidSignature},
		{"s = q", digest, cat(beQ, r), ErrInvalidSignature},
		{"r = q+1", digest, cat(s, beQ1), ErrInvalidSignature},
		{"r all ones", digest, cat(s, ones), ErrInvalidSignature},
		{"s all ones", digest, cat(ones, r), ErrInvalidSignature},
		{"swapped r and s", digest, cat(r, s), ErrInvalidSignature},
	}
	for _, tc := range verifyCases {
		if err := pub.Verify(tc.digest, tc.sig); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}

	x, y := pub.Bytes()[:n], pub.Bytes()[n:]
	pMinus := leBytes(c.prm.p, n)
	gy := leBytes(c.prm.y, n)
	pubCases := []struct {
		name string
		raw  []byte
	}{
		{"empty", nil},
		{"short", pub.Bytes()[:2*n-1]},
		{"long", cat(pub.Bytes(), []byte{0})},
		{"point at infinity as zeros", make([]byte, 2*n)},
		{"off the curve", cat(x, reversed(reversed(append([]byte{y[0] ^ 1}, y[1:]...))))},
		{"x = p", cat(pMinus, gy)},
		{"coordinates all ones", cat(ones, ones)},
		{"512-bit size", make([]byte, 128)},
	}
	for _, tc := range pubCases {
		if _, err := NewPublicKey(c, tc.raw); !errors.Is(err, ErrInvalidPublicKey) {
			t.Errorf("public key %s: got %v", tc.name, err)
		}
	}
	if _, err := NewPublicKey(nil, pub.Bytes()); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("nil curve: %v", err)
	}

	for name, raw := range map[string][]byte{
		"zero": zero, "q": q, "all ones": ones, "short": q[:n-1], "long": cat(q, []byte{0}), "nil": nil,
	} {
		if _, err := NewPrivateKey(c, raw); !errors.Is(err, ErrInvalidPrivateKey) {
			t.Errorf("private key %s: got %v", name, err)
		}
	}
	if _, err := key.Sign(nil, digest[:n-1], nil); !errors.Is(err, ErrInvalidDigest) {
		t.Errorf("short digest to Sign: %v", err)
	}
	if _, err := key.Sign(nil, digest, crypto.SHA512); !errors.Is(err, ErrInvalidDigest) {
		t.Errorf("Sign with SHA-512 options on a 256-bit key: %v", err)
	}
	if _, err := key.Sign(bytes.NewReader(nil), digest, nil); err == nil {
		t.Error("Sign with an empty random source succeeded")
	}
	if _, err := GenerateKey(c, bytes.NewReader(make([]byte, 10000))); err == nil {
		t.Error("GenerateKey from a source of zeros succeeded")
	}
}

func TestWipedKeyRefusesToSign(t *testing.T) {
	k, err := GenerateKey(allCurves[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	k.Wipe()
	if _, err := k.Sign(nil, make([]byte, 32), nil); !errors.Is(err, ErrInvalidPrivateKey) {
		t.Fatalf("Sign after Wipe: %v, want ErrInvalidPrivateKey", err)
	}
}
