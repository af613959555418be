package pfx

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/gost/magma"
	"github.com/zavera/zavera/keyfile"
)

// cpBlob is the CryptoPro key bag of the exported file, decrypted.
type cpBlob struct {
	l      *layout
	k      []byte // the PBE key
	salt   []byte
	plain  []byte
	blob   []byte // sub-slice of plain
	ukm    []byte
	encAt  int // offset of the encrypted key in blob
	macAt  int
	keyLen int
}

func openCPBlob(t *testing.T) *cpBlob {
	t.Helper()
	b := &cpBlob{l: takeApart(t, readTestdata(t, cpFile))}
	if !b.l.keyAlg.oid.Equal(oidPBECryptoProGOST) {
		t.Fatalf("key bag scheme %v", b.l.keyAlg.oid)
	}
	p := b.l.keyAlg.params
	var seq, salt cryptobyte.String
	var iter int64
	if !p.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&salt, cbasn1.OCTET_STRING) || !seq.ReadASN1Integer(&iter) {
		t.Fatal("PBE parameters")
	}
	b.salt = salt
	b.k = cryptoProKey(cpPassword, salt, int(iter))
	c, _ := magma.NewCipher(b.k, &magma.SBoxCryptoProA)
	s, _ := magma.NewCFBDecrypter(c, salt[:8], magma.NoMeshing)
	b.plain = make([]byte, len(b.l.keyCT))
	s.XORKeyStream(b.plain, b.l.keyCT)
	in := cryptobyte.String(b.plain)
	var outer, blob cryptobyte.String
	if !in.ReadASN1(&outer, cbasn1.SEQUENCE) || !outer.SkipASN1(cbasn1.INTEGER) ||
		!outer.ReadAnyASN1Element(new(cryptobyte.String), nil) || !outer.ReadASN1(&blob, cbasn1.OCTET_STRING) {
		t.Fatal("blob")
	}
	b.blob = blob
	body := cryptobyte.String(blob[16:])
	var o, inner, ukm, cek, enc cryptobyte.String
	if !body.ReadASN1(&o, cbasn1.SEQUENCE) || !o.ReadASN1(&inner, cbasn1.SEQUENCE) ||
		!inner.ReadASN1(&ukm, cbasn1.OCTET_STRING) || !inner.ReadASN1(&cek, cbasn1.SEQUENCE) ||
		!cek.ReadASN1(&enc, cbasn1.OCTET_STRING) {
		t.Fatal("blob body")
	}
	b.ukm = ukm
	b.keyLen = len(enc)
	b.encAt = bytes.Index(blob, enc)
	b.macAt = b.encAt + len(enc) + 2 // after the mac's OCTET STRING header
	return b
}

// seal encrypts the (changed) blob back and returns the whole file with a
// fresh MAC.
func (b *cpBlob) seal(t *testing.T) []byte {
	t.Helper()
	c, _ := magma.NewCipher(b.k, &magma.SBoxCryptoProA)
	s, _ := magma.NewCFBEncrypter(c, b.salt[:8], magma.NoMeshing)
	ct := make([]byte, len(b.plain))
	s.XORKeyStream(ct, b.plain)
	content := bytes.Replace(b.l.content, b.l.keyCT, ct, 1)
	return rebuild(t, content, cpPassword)
}

// The test writer reproduces the exported file's key bag exactly: what it
// builds below is the format CryptoPro CSP writes.
func TestCryptoProBlobWriter(t *testing.T) {
	b := openCPBlob(t)
	data := b.seal(t)
	if !bytes.Equal(takeApart(t, data).keyCT, b.l.keyCT) {
		t.Fatal("re-encrypted key bag differs from CryptoPro's")
	}
	c, err := Decode(data, cpPassword)
	if err != nil {
		t.Fatal(err)
	}
	c.Wipe()
}

// A GOST R 34.10-2001 key in the same blob, wrapped with the CryptoPro key
// wrap of RFC 4357 as CryptoPro does for 2001 keys.
func TestCryptoProBlob2001(t *testing.T) {
	b := openCPBlob(t)
	mac := b.blob[b.macAt : b.macAt+4]
	raw, err := cryptoProUnwrap(b.k, b.ukm, b.blob[b.encAt:b.encAt+b.keyLen], mac, false)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Decode(readTestdata(t, cpFile), cpPassword)
	if err != nil {
		t.Fatal(err)
	}
	w, err := magma.WrapCryptoPro(b.k, b.ukm, raw, &magma.SBoxCryptoProA)
	if err != nil {
		t.Fatal(err)
	}
	b.blob[4], b.blob[5] = 0x24, 0xaa // CALG_DH_EL_SF
	copy(b.blob[b.encAt:], w[8:40])
	copy(b.blob[b.macAt:], w[40:44])
	got, err := Decode(b.seal(t), cpPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Key.Equal(want.Key) || len(got.Certificates) != 1 {
		t.Error("2001 blob gives another key")
	}

	// A blob that this reading does not explain (the wrap MAC fails) is
	// unsupported, not a wrong password.
	b.blob[b.macAt] ^= 1
	if _, err := Decode(b.seal(t), cpPassword); !errors.Is(err, keyfile.ErrUnsupported) {
		t.Errorf("2001 blob with a bad wrap MAC: %v, want ErrUnsupported", err)
	}
	// An unknown key algorithm in the header is unsupported.
	b.blob[4], b.blob[5] = 0x00, 0x66
	if _, err := Decode(b.seal(t), cpPassword); !errors.Is(err, keyfile.ErrUnsupported) {
		t.Errorf("unknown blob algorithm: %v, want ErrUnsupported", err)
	}
}

// A 2012 blob whose key-wrap MAC fails, under a valid file MAC, is damaged.
func TestCryptoProBlobDamaged(t *testing.T) {
	b := openCPBlob(t)
	b.blob[b.encAt] ^= 1
	if _, err := Decode(b.seal(t), cpPassword); !errors.Is(err, keyfile.ErrDamaged) {
		t.Errorf("modified encrypted key: %v, want ErrDamaged", err)
	}
}
