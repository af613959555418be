package testtoken_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/testtoken"
)

func TestInfoSlotsAndMechanisms(t *testing.T) {
	tk := newToken(t, "slot leader\nslot accountant\n")
	p := tk.p

	info, err := p.GetInfo()
	if err != nil {
		t.Fatal(err)
	}
	if info.ManufacturerID != "Zavera" || info.CryptokiVersion.Major != 2 || info.CryptokiVersion.Minor != 40 {
		t.Errorf("C_GetInfo = %+v", info)
	}
	slots, err := p.GetSlotList(true)
	if err != nil || !slices.Equal(slots, []uint{0, 1}) {
		t.Fatalf("C_GetSlotList = %v, %v; want [0 1]", slots, err)
	}
	si, err := p.GetSlotInfo(1)
	if err != nil || si.Flags&pkcs11.CKF_TOKEN_PRESENT == 0 || si.Flags&pkcs11.CKF_REMOVABLE_DEVICE == 0 {
		t.Errorf("C_GetSlotInfo(1) = %+v, %v", si, err)
	}
	ti, err := p.GetTokenInfo(1)
	if err != nil {
		t.Fatal(err)
	}
	if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 || ti.Model != "GOST test token" || ti.SerialNumber == "" {
		t.Errorf("fresh token info = %+v", ti)
	}
	ti0, _ := p.GetTokenInfo(0)
	if ti0.SerialNumber == ti.SerialNumber {
		t.Errorf("two tokens share serial %q", ti.SerialNumber)
	}
	if _, err := p.GetSlotInfo(2); err == nil {
		t.Error("C_GetSlotInfo(2) of two slots succeeded")
	}

	mechs, err := p.GetMechanismList(0)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint
	for _, m := range mechs {
		got = append(got, m.Mechanism)
	}
	want := []uint{pkcs11.CKM_GOSTR3410_KEY_PAIR_GEN, ckmGOSTR3410_512KeyPairGen, pkcs11.CKM_GOSTR3410,
		ckmGOSTR3410_512, ckmGOSTR3410WithGOSTR3411256, ckmGOSTR3410WithGOSTR3411512, ckmGOSTR3411_256, ckmGOSTR3411_512}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("mechanisms %#x, want %#x", got, want)
	}
	checks := []struct {
		mech       uint
		size       uint
		flag, none uint
	}{
		{pkcs11.CKM_GOSTR3410, 256, pkcs11.CKF_SIGN | pkcs11.CKF_VERIFY, pkcs11.CKF_GENERATE_KEY_PAIR | pkcs11.CKF_DIGEST},
		{ckmGOSTR3410_512, 512, pkcs11.CKF_SIGN | pkcs11.CKF_VERIFY, pkcs11.CKF_GENERATE_KEY_PAIR},
		{ckmGOSTR3410_512KeyPairGen, 512, pkcs11.CKF_GENERATE_KEY_PAIR, pkcs11.CKF_SIGN},
		{ckmGOSTR3411_512, 0, pkcs11.CKF_DIGEST, pkcs11.CKF_SIGN},
	}
	for _, c := range checks {
		mi, err := p.GetMechanismInfo(0, []*pkcs11.Mechanism{pkcs11.NewMechanism(c.mech, nil)})
		if err != nil {
			t.Errorf("C_GetMechanismInfo(%#x): %v", c.mech, err)
			continue
		}
		if mi.MinKeySize != c.size || mi.MaxKeySize != c.size || mi.Flags&c.flag != c.flag || mi.Flags&c.none != 0 {
			t.Errorf("C_GetMechanismInfo(%#x) = %+v", c.mech, mi)
		}
	}
	_, err = p.GetMechanismInfo(0, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)})
	wantCKR(t, "C_GetMechanismInfo(CKM_ECDSA)", err, pkcs11.CKR_MECHANISM_INVALID)
}

func TestInitTokenAndLogin(t *testing.T) {
	tk := newToken(t, "")
	tk.initToken(0, "Demo Leader")
	ti, err := tk.p.GetTokenInfo(0)
	if err != nil {
		t.Fatal(err)
	}
	want := uint(pkcs11.CKF_TOKEN_INITIALIZED | pkcs11.CKF_USER_PIN_INITIALIZED | pkcs11.CKF_LOGIN_REQUIRED)
	if ti.Label != "Demo Leader" || ti.Flags&want != want {
		t.Errorf("token info after init = %+v", ti)
	}
	s := tk.login(0)
	info, err := tk.p.GetSessionInfo(s)
	if err != nil || info.State != pkcs11.CKS_RW_USER_FUNCTIONS {
		t.Errorf("session state %+v, %v", info, err)
	}
	wantCKR(t, "second C_Login", tk.p.Login(s, pkcs11.CKU_USER, userPIN), pkcs11.CKR_USER_ALREADY_LOGGED_IN)

	// A changed PIN works and the old one no longer does.
	if err := tk.p.SetPIN(s, userPIN, "new-pin-1"); err != nil {
		t.Fatalf("C_SetPIN: %v", err)
	}
	if err := tk.p.Logout(s); err != nil {
		t.Fatal(err)
	}
	wantCKR(t, "old PIN", tk.p.Login(s, pkcs11.CKU_USER, userPIN), pkcs11.CKR_PIN_INCORRECT)
	if err := tk.p.Login(s, pkcs11.CKU_USER, "new-pin-1"); err != nil {
		t.Fatalf("C_Login with the new PIN: %v", err)
	}

	// Re-initialising needs the SO PIN and no open session.
	wantCKR(t, "C_InitToken with a session open", tk.p.InitToken(0, soPIN, "x"), pkcs11.CKR_SESSION_EXISTS)
	if err := tk.p.CloseSession(s); err != nil {
		t.Fatal(err)
	}
	wantCKR(t, "C_InitToken with a wrong SO PIN", tk.p.InitToken(0, "wrong-so", "x"), pkcs11.CKR_PIN_INCORRECT)
}

func TestSignaturesVerifyWithOpenSSL(t *testing.T) {
	tk := newToken(t, "")
	tk.initToken(0, "signer")
	s := tk.login(0)
	cases := []struct {
		name   string
		bits   int
		params []byte
		mech   uint
	}{
		{"256-TC26-A", 256, paramsTC26A256, pkcs11.CKM_GOSTR3410},
		{"256-CryptoPro-A", 256, paramsCryptoProA, pkcs11.CKM_GOSTR3410},
		{"512-TC26-A", 512, paramsTC26A512, ckmGOSTR3410_512},
		{"512-TC26-B", 512, paramsTC26B512, ckmGOSTR3410_512},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kp := tk.generate(s, c.bits, c.params, c.name, c.name)
			if v := tk.attr(s, kp.pub, pkcs11.CKA_VALUE); len(v) != c.bits/4 {
				t.Fatalf("public CKA_VALUE has %d bytes, want %d", len(v), c.bits/4)
			}
			hash := make([]byte, c.bits/8)
			rand.Read(hash)
			sig, err := tk.sign(s, c.mech, kp.priv, hash)
			if err != nil {
				t.Fatalf("C_Sign: %v", err)
			}
			if len(sig) != c.bits/4 {
				t.Fatalf("signature of %d bytes, want %d", len(sig), c.bits/4)
			}
			if err := tk.opensslVerify(s, kp, hash, sig); err != nil {
				t.Fatalf("openssl pkeyutl -verify: %v", err)
			}
			// The reference must refuse a signature over another hash.
			other := bytes.Clone(hash)
			other[0] ^= 1
			if err := tk.opensslVerify(s, kp, other, sig); err == nil {
				t.Fatal("openssl accepted the signature over a different hash")
			}
			// And the token's own C_Verify agrees.
			if err := tk.p.VerifyInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(c.mech, nil)}, kp.pub); err != nil {
				t.Fatal(err)
			}
			if err := tk.p.Verify(s, hash, sig); err != nil {
				t.Errorf("C_Verify: %v", err)
			}
			if err := tk.p.VerifyInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(c.mech, nil)}, kp.pub); err != nil {
				t.Fatal(err)
			}
			wantCKR(t, "C_Verify over another hash", tk.p.Verify(s, other, sig), pkcs11.CKR_SIGNATURE_INVALID)

			// A hash of the wrong size is refused.
			_, err = tk.sign(s, c.mech, kp.priv, hash[:len(hash)-1])
			wantCKR(t, "C_Sign of a short hash", err, pkcs11.CKR_DATA_LEN_RANGE)
		})
	}
}

func TestMechanismMustMatchKey(t *testing.T) {
	tk := newToken(t, "")
	tk.initToken(0, "signer")
	s := tk.login(0)
	k256 := tk.generate(s, 256, paramsTC26A256, "a", "a")
	k512 := tk.generate(s, 512, paramsTC26A512, "b", "b")
	err := tk.p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(ckmGOSTR3410_512, nil)}, k256.priv)
	wantCKR(t, "CKM_GOSTR3410_512 with a 256-bit key", err, pkcs11.CKR_KEY_TYPE_INCONSISTENT)
	err = tk.p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_GOSTR3410, nil)}, k512.priv)
	wantCKR(t, "CKM_GOSTR3410 with a 512-bit key", err, pkcs11.CKR_KEY_TYPE_INCONSISTENT)
	err = tk.p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_GOSTR3410, nil)}, k256.pub)
	wantCKR(t, "signing with a public key", err, pkcs11.CKR_KEY_TYPE_INCONSISTENT)
	err = tk.p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, k256.priv)
	wantCKR(t, "CKM_ECDSA", err, pkcs11.CKR_MECHANISM_INVALID)

	// The key pair mechanism must match the parameter set.
	_, _, err = tk.p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_GOSTR3410_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, paramsTC26A512)}, nil)
	wantCKR(t, "256-bit generation on a 512-bit set", err, pkcs11.CKR_TEMPLATE_INCONSISTENT)
	_, _, err = tk.p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_GOSTR3410_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, []byte{0x06, 0x03, 0x2a, 0x03, 0x04})}, nil)
	wantCKR(t, "unknown parameter set", err, pkcs11.CKR_ATTRIBUTE_VALUE_INVALID)
	_, _, err = tk.p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_GOSTR3410_KEY_PAIR_GEN, nil)},
		nil, nil)
	wantCKR(t, "no parameter set", err, pkcs11.CKR_TEMPLATE_INCOMPLETE)
}

func TestHashOnTokenMatchesOpenSSL(t *testing.T) {
	tk := newToken(t, "")
	tk.initToken(0, "signer")
	s := tk.login(0)
	msg := bytes.Repeat([]byte("Заявление о создании организации. "), 300)
	for _, c := range []struct {
		name       string
		bits       int
		params     []byte
		digest     uint
		sign       uint
		opensslAlg string
	}{
		{"256", 256, paramsTC26A256, ckmGOSTR3411_256, ckmGOSTR3410WithGOSTR3411256, "-md_gost12_256"},
		{"512", 512, paramsTC26A512, ckmGOSTR3411_512, ckmGOSTR3410WithGOSTR3411512, "-md_gost12_512"},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := osslref.Run(t, msg, "dgst", c.opensslAlg, "-binary")
			if err := tk.p.DigestInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(c.digest, nil)}); err != nil {
				t.Fatal(err)
			}
			got, err := tk.p.Digest(s, msg)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("C_Digest = %x, %v; openssl says %x", got, err, want)
			}
			// Multi-part digest gives the same.
			if err := tk.p.DigestInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(c.digest, nil)}); err != nil {
				t.Fatal(err)
			}
			for part := range slices.Chunk(msg, 1000) {
				if err := tk.p.DigestUpdate(s, part); err != nil {
					t.Fatal(err)
				}
			}
			got, err = tk.p.DigestFinal(s)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("C_DigestFinal = %x, %v; openssl says %x", got, err, want)
			}

			kp := tk.generate(s, c.bits, c.params, "k"+c.name, "k"+c.name)
			sig, err := tk.sign(s, c.sign, kp.priv, msg)
			if err != nil {
				t.Fatalf("C_Sign with hashing on the token: %v", err)
			}
			if err := tk.opensslVerify(s, kp, want, sig); err != nil {
				t.Fatalf("openssl rejects the signature over the Streebog hash: %v", err)
			}
			// Multi-part signing.
			if err := tk.p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(c.sign, nil)}, kp.priv); err != nil {
				t.Fatal(err)
			}
			for part := range slices.Chunk(msg, 777) {
				if err := tk.p.SignUpdate(s, part); err != nil {
					t.Fatal(err)
				}
			}
			sig, err = tk.p.SignFinal(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := tk.opensslVerify(s, kp, want, sig); err != nil {
				t.Fatalf("openssl rejects the multi-part signature: %v", err)
			}
		})
	}
}

func TestPrivateKeysStayInside(t *testing.T) {
	tk := newToken(t, "")
	tk.initToken(0, "signer")
	s := tk.login(0)
	kp := tk.generate(s, 256, paramsTC26A256, "k", "k")

	_, err := tk.p.GetAttributeValue(s, kp.priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
	wantCKR(t, "reading a private CKA_VALUE", err, pkcs11.CKR_ATTRIBUTE_SENSITIVE)
	for _, a := range []uint{pkcs11.CKA_SENSITIVE, pkcs11.CKA_NEVER_EXTRACTABLE, pkcs11.CKA_ALWAYS_SENSITIVE, pkcs11.CKA_LOCAL} {
		if v := tk.attr(s, kp.priv, a); !bytes.Equal(v, []byte{1}) {
			t.Errorf("attribute %#x = %x, want true", a, v)
		}
	}
	if v := tk.attr(s, kp.priv, pkcs11.CKA_EXTRACTABLE); !bytes.Equal(v, []byte{0}) {
		t.Errorf("CKA_EXTRACTABLE = %x, want false", v)
	}
	if v := tk.attr(s, kp.priv, pkcs11.CKA_GOSTR3411_PARAMS); !bytes.Equal(v, oidStreebog256) {
		t.Errorf("CKA_GOSTR3411_PARAMS = %x, want Streebog-256", v)
	}

	_, _, err = tk.p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_GOSTR3410_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_GOSTR3410_PARAMS, paramsTC26A256)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true)})
	wantCKR(t, "an extractable private key", err, pkcs11.CKR_ATTRIBUTE_VALUE_INVALID)

	// Without a login the private key is invisible and the public one is not.
	pub := tk.session(0)
	if err := tk.p.Logout(s); err != nil {
		t.Fatal(err)
	}
	if got := tk.find(pub, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY)); len(got) != 0 {
		t.Errorf("private keys visible without login: %v", got)
	}
	if got := tk.find(pub, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY)); len(got) != 1 {
		t.Errorf("public keys without login: %v, want 1", got)
	}
	_, err = tk.sign(pub, pkcs11.CKM_GOSTR3410, kp.priv, make([]byte, 32))
	wantCKR(t, "signing without login", err, pkcs11.CKR_KEY_HANDLE_INVALID)
}

// makeCertificate has OpenSSL make a self-signed GOST certificate (DER).
func makeCertificate(t *testing.T, cn string) []byte {
	t.Helper()
	dir := t.TempDir()
	crt := filepath.Join(dir, "c.der")
	osslref.Run(t, nil, "req", "-x509", "-newkey", "gost2012_256", "-pkeyopt", "paramset:A", "-nodes",
		"-keyout", filepath.Join(dir, "k.pem"), "-subj", "/CN="+cn, "-days", "30", "-md_gost12_256",
		"-outform", "DER", "-out", crt)
	der, err := os.ReadFile(crt)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestCertificatesAndFind(t *testing.T) {
	tk := newToken(t, "")
	tk.initToken(0, "signer")
	s := tk.login(0)
	k1 := tk.generate(s, 256, paramsTC26A256, "id-1", "first")
	tk.generate(s, 512, paramsTC26A512, "id-2", "second")
	der := makeCertificate(t, "Test Certificate")

	cert, err := tk.p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte("id-1")),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "first"),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, der),
	})
	if err != nil {
		t.Fatalf("C_CreateObject(certificate): %v", err)
	}
	subject := osslref.Run(t, der, "x509", "-inform", "DER", "-noout", "-subject", "-nameopt", "RFC2253")
	if !bytes.Contains(subject, []byte("CN=Test Certificate")) {
		t.Fatalf("openssl subject %q", subject)
	}
	if v := tk.attr(s, cert, pkcs11.CKA_SUBJECT); len(v) == 0 || !bytes.Contains(v, []byte("Test Certificate")) {
		t.Errorf("CKA_SUBJECT = %x", v)
	}
	if v := tk.attr(s, cert, pkcs11.CKA_SERIAL_NUMBER); len(v) < 3 || v[0] != 0x02 {
		t.Errorf("CKA_SERIAL_NUMBER = %x, want a DER INTEGER", v)
	}

	_, err = tk.p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, der[:len(der)-10]),
	})
	wantCKR(t, "a truncated certificate", err, pkcs11.CKR_ATTRIBUTE_VALUE_INVALID)

	byID := tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_ID, []byte("id-1")))
	if len(byID) != 3 {
		t.Errorf("objects with CKA_ID id-1: %v, want key pair and certificate", byID)
	}
	if got := tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, ckkGOSTR3410_512)); len(got) != 1 {
		t.Errorf("512-bit private keys: %v, want 1", got)
	}
	if got := tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_LABEL, "first"),
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY)); !slices.Equal(got, []pkcs11.ObjectHandle{k1.priv}) {
		t.Errorf("private key labelled first: %v, want %v", got, k1.priv)
	}
	if got := tk.find(s); len(got) != 5 {
		t.Errorf("all objects: %d, want 5", len(got))
	}

	// The certificate is readable without login, from a read-only session.
	ro, err := tk.p.OpenSession(0, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.p.Logout(s); err != nil {
		t.Fatal(err)
	}
	certs := tk.find(ro, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE))
	if len(certs) != 1 || !bytes.Equal(tk.attr(ro, certs[0], pkcs11.CKA_VALUE), der) {
		t.Fatalf("certificate without login: %v", certs)
	}
	err = tk.p.DestroyObject(ro, certs[0])
	wantCKR(t, "destroying from a read-only session", err, pkcs11.CKR_SESSION_READ_ONLY)
	if err := tk.p.DestroyObject(s, certs[0]); err != nil {
		t.Fatalf("C_DestroyObject: %v", err)
	}
	if got := tk.find(ro, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE)); len(got) != 0 {
		t.Errorf("certificate still there after C_DestroyObject: %v", got)
	}
}

func TestTokensSurviveRestart(t *testing.T) {
	tk := newToken(t, "slot leader\nslot accountant\n")
	tk.initToken(1, "Accountant")
	s := tk.login(1)
	kp := tk.generate(s, 512, paramsTC26A512, "acc", "accountant key")
	pubValue := tk.attr(s, kp.pub, pkcs11.CKA_VALUE)
	der := makeCertificate(t, "Accountant")
	if _, err := tk.p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte("acc")),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, der),
	}); err != nil {
		t.Fatal(err)
	}
	// A session object must not survive.
	if _, err := tk.p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte("session")),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, der),
	}); err != nil {
		t.Fatal(err)
	}

	tk.restart()

	ti, err := tk.p.GetTokenInfo(1)
	if err != nil || ti.Label != "Accountant" || ti.Flags&pkcs11.CKF_USER_PIN_INITIALIZED == 0 {
		t.Fatalf("token after restart: %+v, %v", ti, err)
	}
	if ti0, _ := tk.p.GetTokenInfo(0); ti0.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 {
		t.Error("the other slot's token became initialised")
	}
	s = tk.login(1)
	priv := tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_ID, []byte("acc")))
	pub := tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY), pkcs11.NewAttribute(pkcs11.CKA_ID, []byte("acc")))
	certs := tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE))
	if len(priv) != 1 || len(pub) != 1 || len(certs) != 1 {
		t.Fatalf("after restart: %d private, %d public keys, %d certificates; want 1 each", len(priv), len(pub), len(certs))
	}
	if !bytes.Equal(tk.attr(s, pub[0], pkcs11.CKA_VALUE), pubValue) || !bytes.Equal(tk.attr(s, certs[0], pkcs11.CKA_VALUE), der) {
		t.Fatal("values changed across the restart")
	}
	if v := tk.attr(s, priv[0], pkcs11.CKA_LABEL); string(v) != "accountant key" {
		t.Errorf("label after restart %q", v)
	}
	hash := make([]byte, 64)
	rand.Read(hash)
	sig, err := tk.sign(s, ckmGOSTR3410_512, priv[0], hash)
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.opensslVerify(s, keyPair{pub: pub[0], priv: priv[0], bits: 512}, hash, sig); err != nil {
		t.Fatalf("the restored key signs wrongly: %v", err)
	}
}

func TestHostileTokenFile(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":       "\x00\x01binary\xff",
		"bad header":    "gosttoken 2\n",
		"odd hex":       "gosttoken 1\nlabel abc\n",
		"open object":   "gosttoken 1\nobject\nattr 0 00\n",
		"bad attribute": "gosttoken 1\nobject\nattr zz 00\nend\n",
		"huge tries":    "gosttoken 1\nuser - - 99999999999999999999\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "token0.token"), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			p := module(t)
			t.Setenv("GOSTTOKEN_DIR", dir)
			err := p.Initialize()
			if err == nil {
				_ = p.Finalize()
			}
			wantCKR(t, "C_Initialize on a broken token file", err, pkcs11.CKR_DEVICE_ERROR)
		})
	}
}

func TestNewStorage(t *testing.T) {
	dir := testtoken.NewStorage(t, "first", "second", "third")
	tk := openToken(t, dir)
	slots, err := tk.p.GetSlotList(true)
	if err != nil || len(slots) != 3 {
		t.Fatalf("slots %v, %v; want 3", slots, err)
	}
	si, err := tk.p.GetSlotInfo(2)
	if err != nil || si.SlotDescription != "Zavera GOST test slot third" {
		t.Errorf("slot 2: %+v, %v", si, err)
	}
}

func TestSetAttributeValue(t *testing.T) {
	tk := newToken(t, "")
	tk.initToken(0, "attrs")
	s := tk.login(0)
	kp := tk.generate(s, 256, paramsTC26A256, "old-id", "old label")
	if err := tk.p.SetAttributeValue(s, kp.priv, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "new label"),
		pkcs11.NewAttribute(pkcs11.CKA_ID, []byte("new-id")),
	}); err != nil {
		t.Fatalf("C_SetAttributeValue: %v", err)
	}
	err := tk.p.SetAttributeValue(s, kp.pub, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, make([]byte, 64))})
	wantCKR(t, "changing a public key's value", err, pkcs11.CKR_ATTRIBUTE_READ_ONLY)
	err = tk.p.SetAttributeValue(s, kp.priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true)})
	wantCKR(t, "making a private key extractable", err, pkcs11.CKR_ATTRIBUTE_READ_ONLY)

	tk.restart()
	s = tk.login(0)
	got := tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_ID, []byte("new-id")))
	if len(got) != 1 || string(tk.attr(s, got[0], pkcs11.CKA_LABEL)) != "new label" {
		t.Fatalf("after restart: %v", got)
	}
	if old := tk.find(s, pkcs11.NewAttribute(pkcs11.CKA_ID, []byte("old-id"))); len(old) != 1 {
		t.Errorf("the public key should keep its own CKA_ID: %v", old)
	}
}
