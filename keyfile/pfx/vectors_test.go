package pfx

import (
	"bytes"
	"errors"
	"testing"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/keyfile"
)

// The example of R 50.1.112-2016: the intermediate keys given with it
// (../shared/keyfiles/README.md) and exactly the PrivateKeyInfo it holds.
func TestTC26ExampleIntermediateKeys(t *testing.T) {
	l := takeApart(t, readTestdata(t, tc26File))

	p, err := parsePBES2(l.keyAlg.params)
	if err != nil {
		t.Fatal(err)
	}
	k, err := p.deriveKey(tc26Password)
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "309dd0354c5603739403f2335e9e2055138f8b5c98b63009de0635eea1fd7ba8"); !bytes.Equal(k, want) {
		t.Errorf("key-bag encryption key %x, want %x", k, want)
	}

	pc, err := parsePBES2(l.certAlg.params)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := pc.deriveKey(tc26Password)
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "0e93d71339e7f53b79a0bc41f9109dd4fb60b30ae10736c1bb77b84c07681cfc"); !bytes.Equal(kc, want) {
		t.Errorf("certificate-bag key %x, want %x", kc, want)
	}

	d := findMACDigest(l.macAlg.oid)
	if d == nil || !l.macAlg.oid.Equal(oidStreebog512) {
		t.Fatalf("MAC digest %v", l.macAlg.oid)
	}
	mk, err := macKey(d, tc26Password, l.macSalt, int(l.macIter))
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "cadbfbf3bceaa9b79f651508fac5abbeb4a13d0bd0e1876bd3c3efb2112128a5"); !bytes.Equal(mk, want) {
		t.Errorf("MAC key %x, want %x", mk, want)
	}

	plain, err := pbes2Decrypt(l.keyAlg.params, l.keyCT, tc26Password, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := readTestdata(t, tc26PKCS8File); !bytes.Equal(plain, want) {
		t.Errorf("key bag decrypts to\n%x\nwant\n%x", plain, want)
	}
}

func TestDecodeTC26Example(t *testing.T) {
	c, err := Decode(readTestdata(t, tc26File), tc26Password)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Wipe()
	want, err := gost.ParsePKCS8PrivateKey(readTestdata(t, tc26PKCS8File))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Key.Equal(want) {
		t.Error("key differs from the expected PrivateKeyInfo")
	}
	if len(c.Certificates) != 1 || !certMatches(c.Key, c.Certificates[0]) {
		t.Errorf("%d certificates, want the key's one", len(c.Certificates))
	}
}

// The PFX that CryptoPro CSP exports: CryptoPro's PBE over GOST R 34.11-94,
// its key blob, the 3DES certificate bag and the SHA-1 MAC. The key is
// right when it matches the certificate's public key.
func TestDecodeCryptoProExport(t *testing.T) {
	c, err := Decode(readTestdata(t, cpFile), cpPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Wipe()
	if len(c.Certificates) != 1 {
		t.Fatalf("%d certificates, want 1", len(c.Certificates))
	}
	pub := certPublicKey(c.Certificates[0])
	if pub == nil {
		t.Fatal("certificate public key unreadable")
	}
	if !pub.Equal(c.Key.PublicKey()) {
		t.Error("private key does not match the certificate")
	}
	if c.Key.Curve().Size() != 32 {
		t.Errorf("key size %d, want 32", c.Key.Curve().Size())
	}
	if c.Name == "" {
		t.Error("friendly name not read")
	}
}

func TestWrongPassword(t *testing.T) {
	for _, f := range []string{tc26File, cpFile} {
		_, err := Decode(readTestdata(t, f), "not the password")
		if !errors.Is(err, keyfile.ErrWrongPassword) {
			t.Errorf("%s: %v, want ErrWrongPassword", f, err)
		}
	}
}

// Without a MAC the password is judged by what decrypts: a wrong one gives
// ErrWrongPassword, never a key.
func TestWrongPasswordWithoutMAC(t *testing.T) {
	for _, f := range []string{tc26File, cpFile} {
		data := withoutMAC(t, readTestdata(t, f))
		pw := tc26Password
		if f == cpFile {
			pw = cpPassword
		}
		c, err := Decode(data, pw)
		if err != nil {
			t.Fatalf("%s without MAC, right password: %v", f, err)
		}
		c.Wipe()
		for _, wrong := range []string{"", "2", "Пароль для PFX!"} {
			c, err := Decode(data, wrong)
			if !errors.Is(err, keyfile.ErrWrongPassword) {
				t.Errorf("%s without MAC, password %q: %v, want ErrWrongPassword", f, wrong, err)
			}
			if c != nil {
				t.Errorf("%s: contents returned with an error", f)
			}
		}
	}
}

func TestDamaged(t *testing.T) {
	data := readTestdata(t, tc26File)
	for _, n := range []int{0, 1, 10, 100, len(data) / 2, len(data) - 1} {
		if _, err := Decode(data[:n], tc26Password); !errors.Is(err, keyfile.ErrDamaged) {
			t.Errorf("truncated to %d: %v, want ErrDamaged", n, err)
		}
	}
	if _, err := Decode(append(append([]byte(nil), data...), 0), tc26Password); !errors.Is(err, keyfile.ErrDamaged) {
		t.Errorf("trailing byte: %v, want ErrDamaged", err)
	}
	if _, err := Decode(make([]byte, MaxFileSize+1), ""); !errors.Is(err, keyfile.ErrDamaged) {
		t.Errorf("oversized: %v, want ErrDamaged", err)
	}
}

// A modified file whose MAC still verifies (as if the MAC were recomputed
// by someone knowing the password) is damaged, not a wrong password: the
// MAC vouched for the password.
func TestDamagedUnderValidMAC(t *testing.T) {
	l := takeApart(t, readTestdata(t, tc26File))
	content := append([]byte(nil), l.content...)
	i := bytes.Index(content, l.keyCT)
	content[i+10] ^= 0x55 // inside the encrypted PrivateKeyInfo
	_, err := Decode(rebuild(t, content, tc26Password), tc26Password)
	if !errors.Is(err, keyfile.ErrDamaged) {
		t.Errorf("modified key bag: %v, want ErrDamaged", err)
	}
}

// A modified file whose MAC is left as it was: PKCS#12 cannot tell this
// from a wrong password.
func TestModifiedIsWrongPassword(t *testing.T) {
	data := append([]byte(nil), readTestdata(t, tc26File)...)
	l := takeApart(t, data)
	i := bytes.Index(data, l.keyCT)
	data[i] ^= 1
	if _, err := Decode(data, tc26Password); !errors.Is(err, keyfile.ErrWrongPassword) {
		t.Errorf("modified under MAC: %v, want ErrWrongPassword", err)
	}
}

func TestUnsupported(t *testing.T) {
	l := takeApart(t, readTestdata(t, tc26File))
	cases := []struct {
		name     string
		from, to []byte
	}{
		// GOST 28147-89 OID → an unknown cipher OID of the same length.
		{"cipher", []byte{0x06, 0x06, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x15}, []byte{0x06, 0x06, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x7f}},
		// HMAC-Streebog-512 PRF → an unknown PRF.
		{"prf", []byte{0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x04, 0x02}, []byte{0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x04, 0x7f}},
		// Parameter set Z → an unknown S-box.
		{"sbox", []byte{0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x05, 0x01, 0x01}, []byte{0x06, 0x09, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x02, 0x05, 0x01, 0x7f}},
	}
	for _, c := range cases {
		content := append([]byte(nil), l.content...)
		if !bytes.Contains(content, c.from) {
			t.Fatalf("%s: pattern not in the file", c.name)
		}
		content = bytes.ReplaceAll(content, c.from, c.to)
		_, err := Decode(rebuild(t, content, tc26Password), tc26Password)
		if !errors.Is(err, keyfile.ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", c.name, err)
		}
	}
}

// Certificates under a scheme not implemented are left out; the key is
// still returned.
func TestUnsupportedCertificateBag(t *testing.T) {
	l := takeApart(t, readTestdata(t, tc26File))
	gost28147 := []byte{0x06, 0x06, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x15}
	content := append([]byte(nil), l.content...)
	i := bytes.LastIndex(content, gost28147)
	if i < 0 || i == bytes.Index(content, gost28147) {
		t.Fatal("the certificate bag's cipher is not apart from the key bag's")
	}
	content[i+len(gost28147)-1] = 0x7f
	c, err := Decode(rebuild(t, content, tc26Password), tc26Password)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Wipe()
	if len(c.Certificates) != 0 {
		t.Errorf("%d certificates from an unsupported bag", len(c.Certificates))
	}
	want, err := gost.ParsePKCS8PrivateKey(readTestdata(t, tc26PKCS8File))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Key.Equal(want) {
		t.Error("wrong key")
	}
}
