package magma

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"testing"
)

func TestArgumentErrors(t *testing.T) {
	if _, err := NewCipher(make([]byte, 31), &SBoxZ); !errors.Is(err, ErrKeySize) {
		t.Fatalf("31-byte key: %v", err)
	}
	c, err := NewCipher(make([]byte, 32), &SBoxZ)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewCFBEncrypter(c, make([]byte, 7), NoMeshing); !errors.Is(err, ErrIVSize) {
		t.Fatalf("CFB 7-byte IV: %v", err)
	}
	if _, err := NewCNT(c, make([]byte, 9), NoMeshing); !errors.Is(err, ErrIVSize) {
		t.Fatalf("CNT 9-byte IV: %v", err)
	}
	if _, err := NewCTR(c, make([]byte, 8)); !errors.Is(err, ErrIVSize) {
		t.Fatalf("CTR 8-byte IV: %v", err)
	}
	if _, err := NewMAC(c, 9, NoMeshing); !errors.Is(err, ErrMACSize) {
		t.Fatalf("9-byte MAC: %v", err)
	}
	if _, err := SBoxByOID(asn1.ObjectIdentifier{1, 2, 3}); !errors.Is(err, ErrUnknownParamSet) {
		t.Fatalf("unknown OID: %v", err)
	}
	for _, e := range sboxByOID {
		b, err := SBoxByOID(e.oid)
		if err != nil || *b != *e.box {
			t.Fatalf("%s by OID: %v", e.name, err)
		}
		b, err = SBoxByName(e.name)
		if err != nil || *b != *e.box {
			t.Fatalf("%s by name: %v", e.name, err)
		}
	}
}

// TestUnwrapRejects checks that a wrong KEK, a changed byte anywhere and a
// wrong length are refused, and that the right KEK gives the key back.
func TestUnwrapRejects(t *testing.T) {
	kek, ukm, cek := random(t, 32), random(t, 8), random(t, 32)
	for _, v := range []struct {
		name   string
		wrap   func(kek, ukm, cek []byte, s *SBox) ([]byte, error)
		unwrap func(kek, w []byte, s *SBox) ([]byte, error)
	}{{"GOST 28147-89", Wrap28147, Unwrap28147}, {"CryptoPro", WrapCryptoPro, UnwrapCryptoPro}} {
		w, err := v.wrap(kek, ukm, cek, &SBoxCryptoProA)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w[:8], ukm) || len(w) != WrappedKeySize {
			t.Fatalf("%s: wrapped key %x does not start with the UKM", v.name, w)
		}
		got, err := v.unwrap(kek, w, &SBoxCryptoProA)
		if err != nil || !bytes.Equal(got, cek) {
			t.Fatalf("%s: unwrap: %v", v.name, err)
		}
		if _, err := v.unwrap(random(t, 32), w, &SBoxCryptoProA); !errors.Is(err, ErrIntegrity) {
			t.Fatalf("%s: wrong KEK: %v", v.name, err)
		}
		for i := range w {
			bad := append([]byte(nil), w...)
			bad[i] ^= 0x01
			if _, err := v.unwrap(kek, bad, &SBoxCryptoProA); !errors.Is(err, ErrIntegrity) {
				t.Fatalf("%s: byte %d changed: %v", v.name, i, err)
			}
		}
		if _, err := v.unwrap(kek, w[:43], &SBoxCryptoProA); !errors.Is(err, ErrWrappedSize) {
			t.Fatalf("%s: short: %v", v.name, err)
		}
	}
	// Diversification changes the key, and differently for another UKM.
	d1, _ := DiversifyKEK(kek, ukm, &SBoxCryptoProA)
	d2, _ := DiversifyKEK(kek, random(t, 8), &SBoxCryptoProA)
	if bytes.Equal(d1, kek) || bytes.Equal(d1, d2) {
		t.Fatal("diversification did not change the KEK")
	}
}

// TestByteOrders checks the stated relation between the two conventions:
// a Magma block is the GOST 28147-89 block reversed, a Magma key the GOST
// 28147-89 key with each word reversed.
func TestByteOrders(t *testing.T) {
	key, blk := random(t, 32), random(t, 8)
	m, _ := NewMagma(key)
	wordRev := make([]byte, 32)
	for i := 0; i < 32; i += 4 {
		wordRev[i], wordRev[i+1], wordRev[i+2], wordRev[i+3] = key[i+3], key[i+2], key[i+1], key[i]
	}
	g, _ := NewCipher(wordRev, &SBoxZ)
	rev := func(b []byte) []byte {
		r := make([]byte, len(b))
		for i := range b {
			r[len(b)-1-i] = b[i]
		}
		return r
	}
	a, b := make([]byte, 8), make([]byte, 8)
	m.Encrypt(a, blk)
	g.Encrypt(b, rev(blk))
	if !bytes.Equal(a, rev(b)) {
		t.Fatalf("Magma %x, GOST 28147-89 reversed %x", a, rev(b))
	}
}
