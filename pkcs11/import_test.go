package pkcs11

import (
	"crypto/sha1"
	"errors"
	"testing"

	p11 "github.com/miekg/pkcs11"

	"github.com/zavera/zavera/internal/osslref"
)

// tokenNamed returns the ID of the token with the label.
func tokenNamed(t *testing.T, m *Manager, label string) string {
	t.Helper()
	toks, err := m.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if tok.Label == label {
			return tok.ID
		}
	}
	t.Fatalf("no token %q in %+v", label, toks)
	return ""
}

// objectsWithID logs in to the token and returns the classes of the
// objects carrying id, and for each private key whether C_GetAttributeValue
// of CKA_VALUE failed with CKR_ATTRIBUTE_SENSITIVE and its CKA_SENSITIVE
// and CKA_EXTRACTABLE.
func objectsWithID(t *testing.T, m *Manager, tokenID string, id []byte) (classes []uint, hidden bool) {
	t.Helper()
	m.mu.Lock()
	tok := m.tokens[tokenID]
	m.mu.Unlock()
	err := tok.withSession(func(s *session) error {
		if err := s.login(fixedPIN(testUserPIN, nil)); err != nil {
			return err
		}
		hs, err := s.findAll([]*p11.Attribute{p11.NewAttribute(p11.CKA_ID, id)})
		if err != nil {
			return err
		}
		hidden = true
		for _, h := range hs {
			a, err := s.attrs(h, p11.CKA_CLASS, p11.CKA_TOKEN)
			if err != nil {
				return err
			}
			class := uint(a[p11.CKA_CLASS][0]) // little-endian CK_ULONG, small values
			if !boolAttr(a[p11.CKA_TOKEN]) {
				t.Errorf("object of class %d is not a token object", class)
			}
			classes = append(classes, class)
			if class != p11.CKO_PRIVATE_KEY {
				continue
			}
			_, verr := s.be.GetAttributeValue(s.h, h, []*p11.Attribute{p11.NewAttribute(p11.CKA_VALUE, nil)})
			code, _ := codeOf(verr)
			flags, err := s.attrs(h, p11.CKA_SENSITIVE, p11.CKA_EXTRACTABLE)
			if err != nil {
				return err
			}
			hidden = hidden && code == p11.CKR_ATTRIBUTE_SENSITIVE &&
				boolAttr(flags[p11.CKA_SENSITIVE]) && !boolAttr(flags[p11.CKA_EXTRACTABLE])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return classes, hidden
}

func keyID(k *gostKey) []byte {
	sum := sha1.Sum(k.pub)
	return sum[:]
}

// TestImportKeyOntoGOSTToken writes 256- and 512-bit software keys onto
// the GOST test token through a module host: a wrong PIN writes nothing;
// after the right one the token holds the private key (not readable, not
// extractable), the public key and the certificate, the certificate is
// listed with its key, the token signs with it (OpenSSL verifies), and a
// second import of the same key is refused.
func TestImportKeyOntoGOSTToken(t *testing.T) {
	osslref.Require(t)
	e := newGOSTEnv(t, 10)
	m := e.open(t, Options{Isolate: testIsolation()})
	tokID := tokenNamed(t, m, gostToken2)
	dir := t.TempDir()
	for _, k := range []*gostKey{newGOSTKey(t, 256, "TCA", "Ключ 256"), newGOSTKey(t, 512, "C", "Ключ 512")} {
		_, err := m.ImportKey(tokID, k.key, k.der, "перенесённый", fixedPIN("00000000", nil))
		if !errors.Is(err, ErrPINIncorrect) {
			t.Fatalf("%d bits, wrong PIN: %v", k.bits, err)
		}
		if classes, _ := objectsWithID(t, m, tokID, keyID(k)); len(classes) != 0 {
			t.Fatalf("%d bits: a wrong PIN left objects of classes %v", k.bits, classes)
		}
		m.Logout(tokID)

		calls := 0
		id, err := m.ImportKey(tokID, k.key, k.der, "перенесённый", fixedPIN(testUserPIN, &calls))
		if err != nil || id != CertificateID(k.der) || calls != 1 {
			t.Fatalf("%d bits: import: %q, %v (%d PIN requests)", k.bits, id, err, calls)
		}
		classes, hidden := objectsWithID(t, m, tokID, keyID(k))
		if len(classes) != 3 || !hidden {
			t.Fatalf("%d bits: objects %v, private value hidden %v", k.bits, classes, hidden)
		}
		if _, err := m.ImportKey(tokID, k.key, k.der, "again", fixedPIN(testUserPIN, nil)); !errors.Is(err, ErrKeyOnToken) {
			t.Fatalf("%d bits: second import: %v", k.bits, err)
		}
		m.Logout(tokID)

		certs, err := m.Certificates()
		if err != nil {
			t.Fatal(err)
		}
		var listed *Certificate
		for _, c := range certs {
			if c.ID == id {
				listed = c
			}
		}
		if listed == nil || listed.Token.ID != tokID || listed.Key == KeyMissing || listed.Label != "перенесённый" {
			t.Fatalf("%d bits: listed %+v", k.bits, listed)
		}
		key, err := m.Signer(id, fixedPIN(testUserPIN, nil))
		if err != nil {
			t.Fatal(err)
		}
		content := "подписано ключом на токене"
		sig, err := signCMS(key, content)
		if err != nil {
			t.Fatalf("%d bits: signing with the moved key: %v", k.bits, err)
		}
		verifyWithOpenSSL(t, dir, sig, []byte(content), k.pem)
		m.Logout(tokID)
	}
}

// TestImportKeyRefusedWithoutGOST: SoftHSM lists no GOST mechanism, so
// the import is refused with ErrNoGOSTKeys before any login, and nothing
// is written.
func TestImportKeyRefusedWithoutGOST(t *testing.T) {
	osslref.Require(t)
	newSoftHSM(t, "zavera-nogost")
	m := openSoftHSM(t, Options{Isolate: testIsolation()})
	tokID := tokenNamed(t, m, "zavera-nogost")
	k := newGOSTKey(t, 256, "TCA", "Ключ")
	calls := 0
	_, err := m.ImportKey(tokID, k.key, k.der, "k", fixedPIN(testUserPIN, &calls))
	if !errors.Is(err, ErrNoGOSTKeys) || calls != 0 {
		t.Fatalf("import onto SoftHSM: %v (%d PIN requests)", err, calls)
	}
	if classes, _ := objectsWithID(t, m, tokID, keyID(k)); len(classes) != 0 {
		t.Fatalf("SoftHSM holds objects of classes %v", classes)
	}
	if certs, err := m.Certificates(); err != nil || len(certs) != 0 {
		t.Fatalf("certificates %d, %v", len(certs), err)
	}
}

// refusingBackend is the real module with its Nth C_CreateObject refused.
type refusingBackend struct {
	backend
	refuse, calls int
}

func (b *refusingBackend) CreateObject(sh p11.SessionHandle, temp []*p11.Attribute) (p11.ObjectHandle, error) {
	b.calls++
	if b.calls == b.refuse {
		return 0, p11.Error(p11.CKR_DEVICE_MEMORY)
	}
	return b.backend.CreateObject(sh, temp)
}

// TestImportKeyRollsBack: when the token refuses the certificate (the
// third object), the private and public keys already written are
// destroyed again.
func TestImportKeyRollsBack(t *testing.T) {
	osslref.Require(t)
	e := newGOSTEnv(t, 10)
	rb := &refusingBackend{refuse: 3}
	m := e.open(t, Options{load: func(path string) (backend, error) {
		be, err := loadMiekg(path)
		rb.backend = be
		return rb, err
	}})
	tokID := tokenNamed(t, m, gostToken2)
	k := newGOSTKey(t, 256, "TCB", "Ключ")
	if _, err := m.ImportKey(tokID, k.key, k.der, "k", fixedPIN(testUserPIN, nil)); !errors.Is(err, ErrDeviceError) {
		t.Fatalf("import: %v", err)
	}
	if classes, _ := objectsWithID(t, m, tokID, keyID(k)); len(classes) != 0 || rb.calls != 3 {
		t.Fatalf("after the refusal the token holds objects of classes %v (%d calls)", classes, rb.calls)
	}
}
