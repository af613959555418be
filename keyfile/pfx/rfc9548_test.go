package pfx

import (
	"bytes"
	"testing"

	"github.com/zavera/zavera/gost"
)

// The examples of RFC 9548 (as carried in pygost's tests), password
// "Пароль для PFX": a GOST 2012-512 key under Kuznyechik CTR-ACPKM-OMAC
// with its certificate in clear, and the same key under Magma CTR-ACPKM
// with its certificate under Magma CTR-ACPKM-OMAC.
const (
	rfc9548Kuznyechik = "pfx_rfc9548_kuznyechik-omac_example.pfx"
	rfc9548Magma      = "pfx_rfc9548_magma-omac_example.pfx"
	rfc9548PKCS8      = "pfx_rfc9548_example.expected-pkcs8.der"
)

func TestRFC9548ExampleKeys(t *testing.T) {
	cases := []struct {
		file            string
		keyBag, certBag string
		mac             string
		keyOID, certOID []int
	}{
		{rfc9548Kuznyechik, "4b7ae649ca31dd5fe3243a91a5188c03f1d7049bec8e0d241c0e1e8c39ea4c1f", "",
			"a81d1bc91a4a5cf1fd7320f92dda7e5b285816c3b20826a382d7ed0cbf3a9bf4", oidKuznyechikCTRACPKMOM, nil},
		{rfc9548Magma, "f840d001fd11441e0fb7ccf48f471915e5bf35275309dbe7ade9da4fe460ba7e",
			"d066a96fb326ba896a2352d3f40240a4ded6e7e7bd5b4db6b5241d631c8c381c",
			"084f81782af1534ffd67e3c579c14cb45d7a6f659f46fdbb51a552e874e66fb2", oidMagmaCTRACPKM, oidMagmaCTRACPKMOMAC},
	}
	for _, c := range cases {
		l := takeApart(t, readTestdata(t, c.file))
		check := func(what string, alg algorithm, want string, oid []int) {
			p, err := parsePBES2(alg.params)
			if err != nil {
				t.Fatalf("%s %s: %v", c.file, what, err)
			}
			if !p.cipher.oid.Equal(oid) {
				t.Errorf("%s %s: cipher %v, want %v", c.file, what, p.cipher.oid, oid)
			}
			k, err := p.deriveKey(tc26Password)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(k, unhex(t, want)) {
				t.Errorf("%s %s key %x, want %s", c.file, what, k, want)
			}
		}
		check("key bag", l.keyAlg, c.keyBag, c.keyOID)
		if c.certBag != "" {
			check("certificate bag", l.certAlg, c.certBag, c.certOID)
		}
		mk, err := macKey(findMACDigest(l.macAlg.oid), tc26Password, l.macSalt, int(l.macIter))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(mk, unhex(t, c.mac)) {
			t.Errorf("%s MAC key %x, want %s", c.file, mk, c.mac)
		}
		plain, err := pbes2Decrypt(l.keyAlg.params, l.keyCT, tc26Password, nil)
		if err != nil {
			t.Fatalf("%s key bag: %v", c.file, err)
		}
		if want := readTestdata(t, rfc9548PKCS8); !bytes.Equal(plain, want) {
			t.Errorf("%s key bag decrypts to\n%x\nwant\n%x", c.file, plain, want)
		}
	}
}

func TestDecodeRFC9548Examples(t *testing.T) {
	want, err := gost.ParsePKCS8PrivateKey(readTestdata(t, rfc9548PKCS8))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{rfc9548Kuznyechik, rfc9548Magma} {
		c, err := Decode(readTestdata(t, f), tc26Password)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !c.Key.Equal(want) {
			t.Errorf("%s: another key", f)
		}
		if len(c.Certificates) != 1 || !certMatches(c.Key, c.Certificates[0]) {
			t.Errorf("%s: %d certificates, want the key's one", f, len(c.Certificates))
		}
		if c.Name != "p12FriendlyName" {
			t.Errorf("%s: name %q", f, c.Name)
		}
		c.Wipe()
	}
}
