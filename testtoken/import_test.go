package testtoken_test

import (
	"bytes"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/zavera/zavera/internal/osslref"
)

// TestImportedKeys imports a key OpenSSL made: the private CKA_VALUE is the
// engine's little-endian scalar (the tail of its PKCS#8), the public one
// LE(X)||LE(Y) (the tail of its SubjectPublicKeyInfo). A signature by the
// imported private key must verify with OpenSSL's own public key.
func TestImportedKeys(t *testing.T) {
	tk := newToken(t, "")
	tk.initToken(0, "import")
	s := tk.login(0)
	for _, c := range []struct {
		alg, paramset string
		params        []byte
		bits          int
		kt, mech      uint
	}{
		{"gost2012_256", "TCA", paramsTC26A256, 256, pkcs11.CKK_GOSTR3410, pkcs11.CKM_GOSTR3410},
		{"gost2012_512", "B", paramsTC26B512, 512, ckkGOSTR3410_512, ckmGOSTR3410_512},
	} {
		t.Run(c.alg, func(t *testing.T) {
			key := filepath.Join(t.TempDir(), "k.pem")
			osslref.Run(t, nil, "genpkey", "-algorithm", c.alg, "-pkeyopt", "paramset:"+c.paramset, "-out", key)
			p8 := osslref.Run(t, nil, "pkey", "-in", key, "-outform", "DER")
			spki := osslref.Run(t, nil, "pkey", "-in", key, "-pubout", "-outform", "DER")
			priv := p8[len(p8)-c.bits/8:]
			pub := spki[len(spki)-c.bits/4:]

			hpriv, err := tk.p.CreateObject(s, []*pkcs11.Attribute{
				pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
				pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, c.kt),
				pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
				pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, c.params),
				pkcs11.NewAttribute(pkcs11.CKA_VALUE, priv),
			})
			if err != nil {
				t.Fatalf("importing the private key: %v", err)
			}
			hpub, err := tk.p.CreateObject(s, []*pkcs11.Attribute{
				pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
				pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, c.kt),
				pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, c.params),
				pkcs11.NewAttribute(pkcs11.CKA_VALUE, pub),
			})
			if err != nil {
				t.Fatalf("importing the public key: %v", err)
			}
			if v := tk.attr(s, hpriv, pkcs11.CKA_LOCAL); v[0] != 0 {
				t.Error("an imported key claims CKA_LOCAL")
			}
			hash := make([]byte, c.bits/8)
			rand.Read(hash)
			sig, err := tk.sign(s, c.mech, hpriv, hash)
			if err != nil {
				t.Fatal(err)
			}
			if err := tk.opensslVerify(s, keyPair{pub: hpub, priv: hpriv, bits: c.bits}, hash, sig); err != nil {
				t.Fatalf("OpenSSL rejects the imported key's signature: %v", err)
			}

			// A value of the wrong size is refused.
			_, err = tk.p.CreateObject(s, []*pkcs11.Attribute{
				pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
				pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, c.kt),
				pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, c.params),
				pkcs11.NewAttribute(pkcs11.CKA_VALUE, priv[1:]),
			})
			wantCKR(t, "a short private value", err, pkcs11.CKR_ATTRIBUTE_VALUE_INVALID)
			_, err = tk.p.CreateObject(s, []*pkcs11.Attribute{
				pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
				pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, c.kt),
				pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, c.params),
				pkcs11.NewAttribute(pkcs11.CKA_VALUE, make([]byte, len(priv))),
			})
			wantCKR(t, "a zero private key", err, pkcs11.CKR_ATTRIBUTE_VALUE_INVALID)
		})
	}
	// Private objects need a login.
	ro := tk.session(0)
	if err := tk.p.Logout(s); err != nil {
		t.Fatal(err)
	}
	_, err := tk.p.CreateObject(ro, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, paramsTC26A256),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, bytes.Repeat([]byte{7}, 32)),
	})
	wantCKR(t, "a private key without login", err, pkcs11.CKR_USER_NOT_LOGGED_IN)
}
