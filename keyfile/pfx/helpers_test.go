package pfx

import (
	"encoding/asn1"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

const (
	tc26File      = "pfx_tc26-r50.1.112-2016_example.pfx"
	tc26PKCS8File = "pfx_tc26-r50.1.112-2016_example.expected-pkcs8.der"
	tc26Password  = "Пароль для PFX"
	cpFile        = "pfx_cryptopro-csp-export_gost2012-256_pw-1.pfx"
	cpPassword    = "1"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// layout is what the test files hold, taken apart: a data ContentInfo with
// a shrouded key bag and, when there is one, an EncryptedData (with the
// certificates).
type layout struct {
	content  []byte // AuthenticatedSafe octets (what the MAC covers)
	keyAlg   algorithm
	keyCT    []byte
	certAlg  algorithm
	certCT   []byte
	macAlg   algorithm
	macValue []byte
	macSalt  []byte
	macIter  int64
}

func takeApart(t testing.TB, data []byte) *layout {
	t.Helper()
	l := &layout{}
	in := cryptobyte.String(data)
	var pfx, authSafe, inner, content, mac, di, salt cryptobyte.String
	var v int64
	if !in.ReadASN1(&pfx, cbasn1.SEQUENCE) || !pfx.ReadASN1Integer(&v) ||
		!pfx.ReadASN1(&authSafe, cbasn1.SEQUENCE) || !authSafe.SkipASN1(cbasn1.OBJECT_IDENTIFIER) ||
		!authSafe.ReadASN1(&inner, explicit0) || !inner.ReadASN1(&content, cbasn1.OCTET_STRING) ||
		!pfx.ReadASN1(&mac, cbasn1.SEQUENCE) || !mac.ReadASN1(&di, cbasn1.SEQUENCE) ||
		!readAlgorithm(&di, &l.macAlg) || !di.ReadASN1((*cryptobyte.String)(&l.macValue), cbasn1.OCTET_STRING) ||
		!mac.ReadASN1(&salt, cbasn1.OCTET_STRING) || !mac.ReadASN1Integer(&l.macIter) {
		t.Fatal("unexpected PFX layout")
	}
	l.content, l.macSalt = content, salt
	var seq cryptobyte.String
	if !content.ReadASN1(&seq, cbasn1.SEQUENCE) {
		t.Fatal("bad AuthenticatedSafe")
	}
	for !seq.Empty() {
		var ci, body cryptobyte.String
		var ctype asn1.ObjectIdentifier
		if !seq.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ctype) ||
			!ci.ReadASN1(&body, explicit0) {
			t.Fatal("bad ContentInfo")
		}
		if ctype.Equal(oidEncryptedData) {
			var ed, eci, enc cryptobyte.String
			if !body.ReadASN1(&ed, cbasn1.SEQUENCE) || !ed.SkipASN1(cbasn1.INTEGER) ||
				!ed.ReadASN1(&eci, cbasn1.SEQUENCE) || !eci.SkipASN1(cbasn1.OBJECT_IDENTIFIER) ||
				!readAlgorithm(&eci, &l.certAlg) || !eci.ReadASN1(&enc, implicit0) {
				t.Fatal("unexpected EncryptedData layout")
			}
			l.certCT = enc
			continue
		}
		var octets, safe, bag, value, epki cryptobyte.String
		var bagID asn1.ObjectIdentifier
		if !body.ReadASN1(&octets, cbasn1.OCTET_STRING) || !octets.ReadASN1(&safe, cbasn1.SEQUENCE) ||
			!safe.ReadASN1(&bag, cbasn1.SEQUENCE) || !bag.ReadASN1ObjectIdentifier(&bagID) ||
			!bag.ReadASN1(&value, explicit0) {
			t.Fatal("unexpected data layout")
		}
		if !bagID.Equal(oidShroudedKeyBag) {
			continue
		}
		if !value.ReadASN1(&epki, cbasn1.SEQUENCE) || !readAlgorithm(&epki, &l.keyAlg) ||
			!epki.ReadASN1((*cryptobyte.String)(&l.keyCT), cbasn1.OCTET_STRING) {
			t.Fatal("unexpected key bag layout")
		}
	}
	if l.keyCT == nil {
		t.Fatal("no shrouded key bag")
	}
	return l
}

// rebuild puts a PFX back together around content with a fresh MAC under
// password (Streebog-512, the GOST key derivation), so that a test can
// change what the MAC covers and still get past the MAC.
func rebuild(t testing.TB, content []byte, password string) []byte {
	t.Helper()
	salt := make([]byte, 32)
	mac, err := computeMAC(findMACDigest(oidStreebog512), password, salt, 2000, content)
	if err != nil {
		t.Fatal(err)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(3)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidData)
			b.AddASN1(explicit0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(content) })
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidStreebog512) })
				b.AddASN1OctetString(mac)
			})
			b.AddASN1OctetString(salt)
			b.AddASN1Int64(2000)
		})
	})
	return b.BytesOrPanic()
}

// withoutMAC returns the PFX with its MacData removed.
func withoutMAC(t testing.TB, data []byte) []byte {
	t.Helper()
	l := takeApart(t, data)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(3)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidData)
			b.AddASN1(explicit0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(l.content) })
		})
	})
	return b.BytesOrPanic()
}
