package pkcs11

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	p11 "github.com/miekg/pkcs11"

	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost/streebog"
)

// gostFakeToken is a fake token holding k, signing with the project's
// own GOST code (the signatures are then checked by OpenSSL).
func gostFakeToken(t *testing.T, label string, k *gostKey, mechs ...uint) *fakeToken {
	kt := uint(ckkGOSTR3410)
	raw, combined := uint(ckmGOSTR3410), uint(ckmGOSTR3410With256)
	if k.bits == 512 {
		kt, raw, combined = ckkGOSTR3410_512, ckmGOSTR3410_512, ckmGOSTR3410With512
	}
	if mechs == nil {
		mechs = []uint{raw, combined}
	}
	id := []byte(label)
	return &fakeToken{
		label: label, serial: "SN-" + label, present: true, pin: "1234",
		mechs: mechs,
		objects: []*fakeObject{
			obj(p11.CKO_CERTIFICATE, p11.CKA_CERTIFICATE_TYPE, uint(p11.CKC_X_509), p11.CKA_VALUE, k.der, p11.CKA_ID, id, p11.CKA_LABEL, label),
			obj(p11.CKO_PUBLIC_KEY, p11.CKA_KEY_TYPE, kt, p11.CKA_VALUE, k.pub, p11.CKA_ID, id, p11.CKA_GOSTR3410_PARAMS, k.params),
			obj(p11.CKO_PRIVATE_KEY, p11.CKA_KEY_TYPE, kt, p11.CKA_ID, id, p11.CKA_GOSTR3410_PARAMS, k.params, p11.CKA_ALWAYS_AUTHENTICATE, false),
		},
		sign: func(mech uint, _ *fakeObject, data []byte) ([]byte, error) {
			switch mech {
			case raw:
				return k.key.Sign(nil, data, nil)
			case combined:
				if k.bits == 512 {
					h := streebog.Sum512(data)
					return k.key.Sign(nil, h[:], nil)
				}
				h := streebog.Sum256(data)
				return k.key.Sign(nil, h[:], nil)
			}
			return nil, p11.Error(p11.CKR_MECHANISM_INVALID)
		},
	}
}

func signCMS(key *Key, content string) ([]byte, error) {
	return cms.Sign(strings.NewReader(content), cms.Signer{Key: key, Certificate: key.Certificate()}, nil)
}

func TestFakeGOSTSignsWithRawMechanism(t *testing.T) {
	for _, tc := range []struct {
		bits     int
		paramset string
		mech     uint
	}{{256, "TCA", ckmGOSTR3410}, {256, "A", ckmGOSTR3410}, {512, "A", ckmGOSTR3410_512}, {512, "C", ckmGOSTR3410_512}} {
		k := newGOSTKey(t, tc.bits, tc.paramset, "Иванов Иван Иванович")
		tok := gostFakeToken(t, "gost", k)
		m := fakeManager(t, newFakeModule(t, tok), Options{})
		certs, err := m.Certificates()
		if err != nil || len(certs) != 1 {
			t.Fatalf("certificates: %v, %v", certs, err)
		}
		c := certs[0]
		if c.Cert.Subject.INNLE != "7707083893" || c.Key != KeyAfterLogin {
			t.Fatalf("certificate: %+v key %v", c.Cert.Subject, c.Key)
		}
		key, err := m.Signer(c.ID, fixedPIN("1234", nil))
		if err != nil {
			t.Fatal(err)
		}
		content := "заявление о создании организации"
		sig, err := signCMS(key, content)
		if err != nil {
			t.Fatal(err)
		}
		verifyWithOpenSSL(t, t.TempDir(), sig, []byte(content), k.pem)
		if len(tok.signs) != 1 || tok.signs[0] != tc.mech {
			t.Fatalf("%d/%s: mechanisms used %#x, want the raw %#x", tc.bits, tc.paramset, tok.signs, tc.mech)
		}
		// A digest of the other size is refused before reaching the token.
		if _, err := key.Sign(nil, make([]byte, 96-tc.bits/8), &cms.SignerOpts{}); !errors.Is(err, ErrInvalidInput) {
			t.Fatalf("wrong-size digest: %v", err)
		}
	}
}

func TestFakeGOSTCombinedOnlyWhenRawMissing(t *testing.T) {
	k := newGOSTKey(t, 256, "TCB", "Петров Пётр")
	// The token has only the hash-on-token mechanism.
	tok := gostFakeToken(t, "combined", k, ckmGOSTR3410With256)
	m := fakeManager(t, newFakeModule(t, tok), Options{})
	key, err := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := key.Sign(nil, make([]byte, 32), &cms.SignerOpts{}); !errors.Is(err, ErrMechanismNotSupported) {
		t.Fatalf("Sign without the raw mechanism: %v, want ErrMechanismNotSupported", err)
	}
	msg := []byte("signed attributes")
	sig, err := key.SignMessage(nil, msg, &cms.SignerOpts{})
	if err != nil {
		t.Fatal(err)
	}
	h := streebog.Sum256(msg)
	if err := k.key.PublicKey().Verify(h[:], sig); err != nil {
		t.Fatalf("combined signature does not verify: %v", err)
	}
	if len(tok.signs) != 1 || tok.signs[0] != ckmGOSTR3410With256 {
		t.Fatalf("mechanisms used %#x", tok.signs)
	}
	// With both, SignMessage hashes on the host and uses the raw one.
	tok.mechs = []uint{ckmGOSTR3410, ckmGOSTR3410With256}
	m.Logout(key.Info().Token.ID)
	if _, err := key.SignMessage(nil, msg, &cms.SignerOpts{}); err != nil {
		t.Fatal(err)
	}
	if tok.signs[1] != ckmGOSTR3410 {
		t.Fatalf("mechanisms used %#x, want the raw one second", tok.signs)
	}
}

// TestFakeCombinedOnlyTokenSignsCMS builds a CAdES signature on a token
// that can only hash on board: the builder hands the signed attributes to
// SignMessage, and OpenSSL accepts the result.
func TestFakeCombinedOnlyTokenSignsCMS(t *testing.T) {
	for _, bits := range []int{256, 512} {
		k := newGOSTKey(t, bits, "A", "Сидоров Сидор")
		combined := uint(ckmGOSTR3410With256)
		if bits == 512 {
			combined = ckmGOSTR3410With512
		}
		tok := gostFakeToken(t, "combined", k, combined)
		m := fakeManager(t, newFakeModule(t, tok), Options{})
		key, err := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
		if err != nil {
			t.Fatal(err)
		}
		content := "налоговая декларация"
		sig, err := signCMS(key, content)
		if err != nil {
			t.Fatalf("%d bits: %v", bits, err)
		}
		verifyWithOpenSSL(t, t.TempDir(), sig, []byte(content), k.pem)
		if len(tok.signs) != 1 || tok.signs[0] != combined {
			t.Fatalf("%d bits: mechanisms used %#x, want the combined %#x", bits, tok.signs, combined)
		}
	}
}

func TestFakeRemovedMidBatchThenRecovers(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	f := newFakeModule(t, gostFakeToken(t, "removable", k))
	m := fakeManager(t, f, Options{})
	calls := 0
	key, err := m.Signer(CertificateID(k.der), fixedPIN("1234", &calls))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signCMS(key, "one"); err != nil {
		t.Fatal(err)
	}
	f.pull(0)
	_, err = signCMS(key, "two")
	if !errors.Is(err, ErrTokenRemoved) {
		t.Fatalf("after pulling the token: %v, want ErrTokenRemoved", err)
	}
	var pe *Error
	if !errors.As(err, &pe) || (pe.Code != p11.CKR_DEVICE_REMOVED && pe.Code != p11.CKR_TOKEN_NOT_PRESENT) {
		t.Fatalf("error carries %v", err)
	}
	f.insert(0)
	// The next operation works without a rescan or a new Manager: the
	// stale session is replaced and the user logs in again.
	sig, err := signCMS(key, "three")
	if err != nil {
		t.Fatalf("after reinsertion: %v", err)
	}
	verifyWithOpenSSL(t, t.TempDir(), sig, []byte("three"), k.pem)
	if calls != 2 {
		t.Fatalf("PIN asked %d times, want 2 (once before, once after reinsertion)", calls)
	}
	// Removal and reinsertion between two operations, unnoticed: the
	// stale session fails once and is retried on a fresh one.
	f.pull(0)
	f.insert(0)
	if _, err := signCMS(key, "four"); err != nil {
		t.Fatalf("after an unnoticed reinsertion: %v", err)
	}
	// A listing saw the token gone; it comes back and nobody lists again.
	f.pull(0)
	if toks, _ := m.Tokens(); len(toks) != 0 {
		t.Fatalf("tokens while pulled out: %+v", toks)
	}
	if _, err := signCMS(key, "five"); !errors.Is(err, ErrTokenRemoved) {
		t.Fatalf("signing while pulled out: %v", err)
	}
	f.insert(0)
	if _, err := signCMS(key, "six"); err != nil {
		t.Fatalf("after reinsertion seen by no listing: %v", err)
	}
}

func TestFakeTokenBackInAnotherSlot(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	tok := gostFakeToken(t, "moving", k)
	f := newFakeModule(t, tok, &fakeToken{label: "placeholder", present: false})
	m := fakeManager(t, f, Options{})
	key, err := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signCMS(key, "one"); err != nil {
		t.Fatal(err)
	}
	// The reader puts the token into slot 1 when it comes back.
	f.mu.Lock()
	f.tokens[0], f.tokens[1] = f.tokens[1], f.tokens[0]
	tok.gen++
	f.mu.Unlock()
	sig, err := signCMS(key, "two")
	if err != nil {
		t.Fatalf("token in another slot: %v", err)
	}
	verifyWithOpenSSL(t, t.TempDir(), sig, []byte("two"), k.pem)
	if key.Info().Token.Slot != 0 {
		t.Fatal("Info should keep the slot seen when the key was opened")
	}
}

func TestFakePINTriesDownToLocked(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	tok := gostFakeToken(t, "pin", k)
	tok.max = 3
	m := fakeManager(t, newFakeModule(t, tok), Options{})
	key, err := m.Signer(CertificateID(k.der), fixedPIN("0000", nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		tries    int
		countLow bool
		sentinel error
	}{{-1, true, ErrPINIncorrect}, {1, true, ErrPINIncorrect}, {0, true, ErrPINLocked}, {0, false, ErrPINLocked}}
	for i, w := range want {
		_, err := key.Sign(nil, make([]byte, 32), &cms.SignerOpts{})
		var pe *PINError
		if !errors.As(err, &pe) || !errors.Is(err, w.sentinel) {
			t.Fatalf("try %d: %v, want %v as *PINError", i+1, err, w.sentinel)
		}
		if pe.TriesLeft != w.tries || (w.tries != 0 && pe.CountLow != w.countLow) {
			t.Fatalf("try %d: %+v, want tries %d", i+1, pe, w.tries)
		}
	}
	toks, _ := m.Tokens()
	if !toks[0].PIN.Locked {
		t.Fatalf("token state %+v, want locked", toks[0].PIN)
	}
}

func TestFakePINPad(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	tok := gostFakeToken(t, "pinpad", k)
	tok.pinpad = "confirm"
	f := newFakeModule(t, tok)
	m := fakeManager(t, f, Options{})
	asked := false
	key, err := m.Signer(CertificateID(k.der), func(PINRequest) ([]byte, error) { asked = true; return nil, errors.New("no") })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signCMS(key, "x"); err != nil {
		t.Fatal(err)
	}
	if asked {
		t.Fatal("the PIN callback was asked although the token has a PIN pad")
	}
	m.Logout(key.Info().Token.ID)
	tok.pinpad = "cancel"
	if _, err := signCMS(key, "y"); !errors.Is(err, ErrCancelled) {
		t.Fatalf("cancelled on the PIN pad: %v, want ErrCancelled", err)
	}
}

func TestFakeAlwaysAuthenticate(t *testing.T) {
	k := newGOSTKey(t, 512, "A", "Иванов")
	tok := gostFakeToken(t, "always", k)
	tok.objects[2].attrs[p11.CKA_ALWAYS_AUTHENTICATE] = []byte{1}
	m := fakeManager(t, newFakeModule(t, tok), Options{})
	var reqs []PINRequest
	key, err := m.Signer(CertificateID(k.der), func(r PINRequest) ([]byte, error) {
		reqs = append(reqs, r)
		return []byte("1234"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		sig, err := signCMS(key, "doc")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			verifyWithOpenSSL(t, t.TempDir(), sig, []byte("doc"), k.pem)
		}
	}
	// One user login, then one context-specific login per signature.
	if len(reqs) != 4 || reqs[0].ContextSpecific || !reqs[1].ContextSpecific || !reqs[3].ContextSpecific {
		t.Fatalf("PIN requests %+v", reqs)
	}
	want := []uint{p11.CKU_USER, p11.CKU_CONTEXT_SPECIFIC, p11.CKU_CONTEXT_SPECIFIC, p11.CKU_CONTEXT_SPECIFIC}
	if len(tok.logins) != 4 {
		t.Fatalf("logins %v, want %v", tok.logins, want)
	}
	for i := range want {
		if tok.logins[i] != want[i] {
			t.Fatalf("logins %v, want %v", tok.logins, want)
		}
	}
}

func TestFakeDeviceErrorAndRecovery(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	tok := gostFakeToken(t, "dev", k)
	m := fakeManager(t, newFakeModule(t, tok), Options{})
	key, _ := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
	tok.failNext = p11.CKR_DEVICE_ERROR
	_, err := signCMS(key, "x")
	if !errors.Is(err, ErrDeviceError) {
		t.Fatalf("%v, want ErrDeviceError", err)
	}
	if _, err := signCMS(key, "y"); err != nil {
		t.Fatalf("after a device error: %v", err)
	}
}

func TestFakeParallelTokensAndSerialisedSessions(t *testing.T) {
	ka := newGOSTKey(t, 256, "TCA", "А")
	kb := newGOSTKey(t, 512, "A", "Б")
	ta, tb := gostFakeToken(t, "a", ka), gostFakeToken(t, "b", kb)
	for _, tok := range []*fakeToken{ta, tb} {
		inner := tok.sign
		tok.sign = func(mech uint, o *fakeObject, d []byte) ([]byte, error) {
			time.Sleep(2 * time.Millisecond) // a slow token: overlaps are likely if not prevented
			return inner(mech, o, d)
		}
	}
	m := fakeManager(t, newFakeModule(t, ta, tb), Options{})
	var keys []*Key
	for _, k := range []*gostKey{ka, kb} {
		key, err := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(key *Key) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if _, err := signCMS(key, "x"); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
		}(keys[g%2])
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	_ = start
	if len(ta.signs) != 30 || len(tb.signs) != 30 {
		t.Fatalf("signatures %d and %d, want 30 each", len(ta.signs), len(tb.signs))
	}
}

func TestFakeModuleFailureDoesNotStopOthers(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	f := newFakeModule(t, gostFakeToken(t, "ok", k))
	junk := filepath.Join(t.TempDir(), "libjunk.so")
	writeFile(t, junk, []byte("not a library"))
	missing := filepath.Join(t.TempDir(), "libmissing.so")
	m, err := Open(Options{
		Modules:     []string{missing, junk, "/fake/good.so"},
		NoDiscovery: true, NoEnvironment: true,
		load: func(path string) (backend, error) {
			if path == "/fake/good.so" {
				return f, nil
			}
			return loadMiekg(path)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	mods := m.Modules()
	if len(mods) != 3 {
		t.Fatalf("modules %+v", mods)
	}
	for _, i := range []int{0, 1} {
		if !errors.Is(mods[i].Err, ErrModuleLoad) {
			t.Fatalf("%s: %v, want ErrModuleLoad", mods[i].Path, mods[i].Err)
		}
	}
	if !strings.Contains(mods[0].Err.Error(), "no such file") {
		t.Errorf("missing module reason: %v", mods[0].Err)
	}
	if !strings.Contains(mods[1].Err.Error(), "libjunk.so") || strings.Count(mods[1].Err.Error(), ":") < 2 {
		t.Errorf("junk module reason: %v", mods[1].Err)
	}
	if mods[2].Err != nil || mods[2].Description != "fake module" || mods[2].Version != "1.2" {
		t.Fatalf("good module: %+v", mods[2])
	}
	certs, err := m.Certificates()
	if err != nil || len(certs) != 1 {
		t.Fatalf("certificates %v, %v", certs, err)
	}
}

func TestFakeEvents(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	tok := gostFakeToken(t, "ev", k)
	f := newFakeModule(t, tok)
	m := fakeManager(t, f, Options{PollInterval: 10 * time.Millisecond})
	ch := m.Events()
	next := func(want EventKind) Event {
		t.Helper()
		select {
		case e := <-ch:
			if e.Kind != want {
				t.Fatalf("event %v, want %v", e.Kind, want)
			}
			return e
		case <-time.After(5 * time.Second):
			t.Fatalf("no %v event", want)
		}
		return Event{}
	}
	if e := next(TokenInserted); e.Token.Label != "ev" {
		t.Fatalf("inserted %+v", e.Token)
	}
	f.pull(0)
	next(TokenRemoved)
	f.insert(0)
	next(TokenInserted)
	k2 := newGOSTKey(t, 256, "TCA", "Второй")
	f.mu.Lock()
	tok.objects = append(tok.objects, obj(p11.CKO_CERTIFICATE, p11.CKA_CERTIFICATE_TYPE, uint(p11.CKC_X_509), p11.CKA_VALUE, k2.der, p11.CKA_ID, []byte("2")))
	tok.objects[len(tok.objects)-1].handle = 999
	f.mu.Unlock()
	next(CertificatesChanged)
	m.Close()
	for range ch {
	}
}

func TestCertificateIDIsStable(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	// The same certificate on two tokens in different slots has one ID.
	f := newFakeModule(t, gostFakeToken(t, "one", k), gostFakeToken(t, "two", k))
	m := fakeManager(t, f, Options{})
	certs, err := m.Certificates()
	if err != nil || len(certs) != 2 {
		t.Fatalf("%v %v", certs, err)
	}
	if certs[0].ID != certs[1].ID || certs[0].ID != CertificateID(k.der) || len(certs[0].ID) != 32 {
		t.Fatalf("IDs %s %s", certs[0].ID, certs[1].ID)
	}
	if bytes.Equal([]byte(certs[0].Token.ID), []byte(certs[1].Token.ID)) {
		t.Fatal("two tokens with one ID")
	}
}

func TestFakeTokenLoggedOutOnItsOwn(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	tok := gostFakeToken(t, "forgetful", k)
	f := newFakeModule(t, tok)
	m := fakeManager(t, f, Options{})
	calls := 0
	key, _ := m.Signer(CertificateID(k.der), fixedPIN("1234", &calls))
	if _, err := signCMS(key, "one"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	tok.loggedIn = false
	f.mu.Unlock()
	if _, err := signCMS(key, "two"); err != nil {
		t.Fatalf("after the token logged out by itself: %v", err)
	}
	if calls != 2 {
		t.Fatalf("PIN asked %d times, want 2", calls)
	}
}

func TestFakeContextLoginCancelledThenNextWorks(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	tok := gostFakeToken(t, "always", k)
	tok.objects[2].attrs[p11.CKA_ALWAYS_AUTHENTICATE] = []byte{1}
	m := fakeManager(t, newFakeModule(t, tok), Options{})
	cancel := false
	key, _ := m.Signer(CertificateID(k.der), func(r PINRequest) ([]byte, error) {
		if r.ContextSpecific && cancel {
			return nil, errors.New("user said no")
		}
		return []byte("1234"), nil
	})
	if _, err := signCMS(key, "one"); err != nil {
		t.Fatal(err)
	}
	cancel = true
	if _, err := signCMS(key, "two"); !errors.Is(err, ErrCancelled) {
		t.Fatalf("%v, want ErrCancelled", err)
	}
	// The signing operation left active by the refused login must not
	// block the next signature (CKR_OPERATION_ACTIVE).
	cancel = false
	if _, err := signCMS(key, "three"); err != nil {
		t.Fatalf("after a refused context login: %v", err)
	}
}

func TestFakeKeyAfterCloseCallsNothing(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	f := newFakeModule(t, gostFakeToken(t, "closing", k))
	m := fakeManager(t, f, Options{})
	key, _ := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
	if _, err := signCMS(key, "one"); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if f.finalized != 1 {
		t.Fatalf("C_Finalize called %d times, want 1", f.finalized)
	}
	if _, err := signCMS(key, "two"); !errors.Is(err, ErrClosed) {
		t.Fatalf("%v, want ErrClosed", err)
	}
	if _, err := m.Tokens(); !errors.Is(err, ErrClosed) {
		t.Fatalf("%v, want ErrClosed", err)
	}
}

func TestFakeWrongSizeGOSTSignature(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	tok := gostFakeToken(t, "short", k)
	tok.sign = func(uint, *fakeObject, []byte) ([]byte, error) { return make([]byte, 10), nil }
	m := fakeManager(t, newFakeModule(t, tok), Options{})
	key, _ := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
	if _, err := key.Sign(nil, make([]byte, 32), nil); !errors.Is(err, ErrDeviceError) {
		t.Fatalf("%v, want ErrDeviceError", err)
	}
}

func TestFakeKeyPairingNeverGuesses(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	other := newGOSTKey(t, 256, "TCA", "Другой")
	for _, tc := range []struct {
		name     string
		certID   []byte
		privID   []byte
		pubValue []byte // nil: no public key object
		want     error
	}{
		{"id mismatch, no public key", []byte("a"), []byte("b"), nil, ErrKeyNotFound},
		{"no ids, no public key, one private key", nil, nil, nil, nil},
		{"no ids, public key of another pair", nil, nil, other.pub, ErrKeyNotFound},
		{"no ids, matching public key", nil, nil, k.pub, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := gostFakeToken(t, "pairing", k)
			tok.objects = []*fakeObject{
				obj(p11.CKO_CERTIFICATE, p11.CKA_CERTIFICATE_TYPE, uint(p11.CKC_X_509), p11.CKA_VALUE, k.der, p11.CKA_ID, tc.certID),
				obj(p11.CKO_PRIVATE_KEY, p11.CKA_KEY_TYPE, uint(ckkGOSTR3410), p11.CKA_ID, tc.privID, p11.CKA_LABEL, ""),
			}
			if tc.pubValue != nil {
				tok.objects = append(tok.objects, obj(p11.CKO_PUBLIC_KEY, p11.CKA_KEY_TYPE, uint(ckkGOSTR3410), p11.CKA_VALUE, tc.pubValue, p11.CKA_ID, []byte(nil), p11.CKA_LABEL, ""))
			}
			m := fakeManager(t, newFakeModule(t, tok), Options{})
			key, err := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
			if err != nil {
				t.Fatal(err)
			}
			_, err = signCMS(key, "x")
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
		})
	}
}

// WillAskPIN is true until the token is logged in and the key found, and
// again after a logout.
func TestFakeWillAskPIN(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	m := fakeManager(t, newFakeModule(t, gostFakeToken(t, "pin", k)), Options{})
	key, err := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !key.WillAskPIN() {
		t.Fatal("a key never used on a token not logged in must say a PIN may be asked")
	}
	if _, err := signCMS(key, "первая подпись"); err != nil {
		t.Fatal(err)
	}
	if key.WillAskPIN() {
		t.Fatal("after a signature the token is logged in: no PIN ahead")
	}
	m.Logout(key.Info().Token.ID)
	if !key.WillAskPIN() {
		t.Fatal("after a logout a PIN is ahead again")
	}
}

// WillAskPIN answers while a signature holds the token, from what it
// learnt last, so that the agent can release a prompt without waiting for
// another request's signature.
func TestFakeWillAskPINDoesNotWaitForTheToken(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	m := fakeManager(t, newFakeModule(t, gostFakeToken(t, "pin", k)), Options{})
	key, err := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signCMS(key, "первая подпись"); err != nil {
		t.Fatal(err)
	}
	if key.WillAskPIN() {
		t.Fatal("after a signature the token is logged in: no PIN ahead")
	}
	key.t.mu.Lock() // as a signature in progress does
	answer := make(chan bool, 1)
	go func() { answer <- key.WillAskPIN() }()
	select {
	case ask := <-answer:
		key.t.mu.Unlock()
		if ask {
			t.Fatal("WillAskPIN changed its answer while nothing changed")
		}
	case <-time.After(5 * time.Second):
		key.t.mu.Unlock()
		t.Fatal("WillAskPIN waited for the token's lock")
	}
	// A change of the login state is seen at once.
	m.Logout(key.Info().Token.ID)
	if !key.WillAskPIN() {
		t.Fatal("after a logout a PIN is ahead again")
	}
}
