package magma

import (
	"bytes"
	"encoding/asn1"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/streebog"
)

// TestCryptoProContainerECB opens the public CryptoPro CSP 5 test container
// of ../shared/keyfiles (README.md there): its private key is encrypted
// with GOST 28147-89 in ECB mode, S-box param Z, under a key derived from
// the (empty) password. Decrypting it with this package and unmasking it
// must give a private key whose public key is the one the container's
// certificate names, which proves ECB, param Z and the GOST 28147-89 byte
// order on data written by CryptoPro CSP.
func TestCryptoProContainerECB(t *testing.T) {
	dir := "../../../shared/keyfiles/cryptopro-container_csp5_gost2012-256-xcha_nopin.000"
	read := func(name string, v any) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := asn1.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var masks struct {
		Mask, Salt, MAC []byte
	}
	read("masks.key", &masks)
	var primary struct{ Key []byte }
	read("primary.key", &primary)

	// The container's password KDF (public analyses of the format; see
	// ../shared/keyfiles/FORMATS.md) with Streebog-256 and an empty
	// password: two rounds.
	h := func(parts ...[]byte) []byte {
		d := streebog.New256()
		for _, p := range parts {
			d.Write(p)
		}
		return d.Sum(nil)
	}
	first := h(masks.Salt)
	c := make([]byte, 64)
	copy(c, "DENEFH028.760246785.IUEFHWUIO.EF")
	xor := func(b []byte, v byte) []byte {
		out := make([]byte, len(b))
		for i := range b {
			out[i] = b[i] ^ v
		}
		return out
	}
	for range 2 {
		c = append(h(xor(c, 0x36), first, xor(c, 0x5c), first), make([]byte, 32)...)
	}
	c = h(xor(c[:32], 0x36), masks.Salt, xor(c[:32], 0x5c))
	kek := h(c[:32])

	ciph, err := NewCipher(kek, &SBoxZ)
	if err != nil {
		t.Fatal(err)
	}
	dec := make([]byte, len(primary.Key))
	NewECBDecrypter(ciph).CryptBlocks(dec, primary.Key)

	// key = decrypted · mask⁻¹ mod q, both little-endian numbers; q of the
	// CryptoPro XchA (= CryptoPro A) curve, RFC 4357.
	q, _ := new(big.Int).SetString("ffffffffffffffffffffffffffffffff6c611070995ad10045841b09b761b893", 16)
	le := func(b []byte) *big.Int {
		r := make([]byte, len(b))
		for i := range b {
			r[len(b)-1-i] = b[i]
		}
		return new(big.Int).SetBytes(r)
	}
	d := le(dec)
	d.Mul(d, new(big.Int).ModInverse(le(masks.Mask), q))
	d.Mod(d, q)
	raw := make([]byte, 32)
	d.FillBytes(raw)
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		raw[i], raw[j] = raw[j], raw[i]
	}

	curve, err := gost.CurveByName("id-GostR3410-2001-CryptoPro-XchA-ParamSet")
	if err != nil {
		t.Fatal(err)
	}
	key, err := gost.NewPrivateKey(curve, raw)
	if err != nil {
		t.Fatalf("decrypted key: %v", err)
	}
	certDER, err := os.ReadFile("../../../shared/keyfiles/cryptopro-container_csp5_gost2012-256-xcha_nopin.cert.der")
	if err != nil {
		t.Fatal(err)
	}
	// The certificate's SubjectPublicKeyInfo ends with the OCTET STRING of
	// LE(X) || LE(Y); find it rather than parse the GOST certificate here.
	pub := key.PublicKey().Bytes()
	if !bytes.Contains(certDER, append([]byte{0x04, 0x40}, pub...)) {
		t.Fatalf("the decrypted key's public key %x is not the certificate's", pub)
	}
}
