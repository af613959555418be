package pkcs11

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
)

// The tests in this file run the GOST test token in the modes that copy
// the vendors' drivers (testtoken/doc.go), always through a module host
// process, as the agent runs it: list, sign (verified by OpenSSL), pull
// the token out and put it back, and sign again.

// openIsolated opens the test token's module in a host process.
func (e *gostEnv) openIsolated(t *testing.T, opts Options) *Manager {
	t.Helper()
	opts.Isolate = testIsolation()
	return e.open(t, opts)
}

// signVerified signs content with key and checks the CMS with OpenSSL.
func (e *gostEnv) signVerified(t *testing.T, key *Key, k *provision.GOSTKey, content string) {
	t.Helper()
	sig, err := signCMS(key, content)
	if err != nil {
		t.Fatalf("%s: %v", k.Label, err)
	}
	verifyWithOpenSSL(t, e.dir, sig, []byte(content), k.CertPEM)
}

// replug pulls every token out and puts it back between two calls.
func (e *gostEnv) replug(t *testing.T, n int, lines string) {
	t.Helper()
	e.control(t, fmt.Sprintf("%s\nreplug = %d", lines, n))
}

func TestVendorCombinedMechanismsOnly(t *testing.T) {
	e := newGOSTEnv(t, 10)
	const mode = "mechanisms = combined"
	e.control(t, mode)
	m := e.openIsolated(t, Options{})
	calls := 0
	for _, k := range []*provision.GOSTKey{e.k256, e.k512} {
		key := e.signer(t, m, k, &calls)
		// The raw mechanism is missing: a digest cannot be signed.
		if _, err := key.Sign(nil, streebogFor(k.Bits, []byte("x")), nil); !errors.Is(err, ErrMechanismNotSupported) {
			t.Fatalf("%s: raw signature: %v, want ErrMechanismNotSupported", k.Label, err)
		}
		e.signVerified(t, key, k, "ГОСТ, хеш на токене "+k.Label)
	}
	e.replug(t, 1, mode)
	key := e.signer(t, m, e.k512, &calls)
	e.signVerified(t, key, e.k512, "после переподключения")
	if calls != 2 {
		t.Fatalf("PIN asked %d times, want once before and once after the token came back", calls)
	}
	if got := m.Quirks(key.Info().Token.ID); !got.CombinedOnly {
		t.Fatalf("quirks %+v, want combined mechanisms only", got)
	}
}

// A token that offers GOST only under the TC26 vendor-range constants
// (none of PKCS#11's own, not even CKM_GOSTR3410): 256-bit keys sign
// through the combined mechanism, 512-bit keys sign a hash with the raw
// vendor mechanism.
func TestVendorRangeMechanismsOnly(t *testing.T) {
	e := newGOSTEnv(t, 10)
	const mode = "mechanisms = vendor"
	e.control(t, mode)
	m := e.openIsolated(t, Options{})
	calls := 0
	k256 := e.signer(t, m, e.k256, &calls)
	if _, err := k256.Sign(nil, streebogFor(256, []byte("x")), nil); !errors.Is(err, ErrMechanismNotSupported) {
		t.Fatalf("raw 256-bit signature: %v, want ErrMechanismNotSupported", err)
	}
	e.signVerified(t, k256, e.k256, "диапазон ТК 26, 256")
	k512 := e.signer(t, m, e.k512, &calls)
	digest := streebogFor(512, []byte("хеш на компьютере"))
	sig, err := k512.Sign(nil, digest, nil)
	if err != nil {
		t.Fatalf("raw 512-bit signature: %v", err)
	}
	pub, ok := k512.Public().(*gost.PublicKey)
	if !ok {
		t.Fatalf("public key %T", k512.Public())
	}
	if err := pub.Verify(digest, sig); err != nil {
		t.Fatalf("the raw 512-bit signature: %v", err)
	}
	e.signVerified(t, k512, e.k512, "диапазон ТК 26, 512")
	e.replug(t, 1, mode)
	e.signVerified(t, k256, e.k256, "после переподключения")
	q := m.Quirks(k256.Info().Token.ID)
	if !q.VendorOnly || !q.CombinedOnly || q.StandardOnly {
		t.Fatalf("quirks %+v, want vendor-range and combined mechanisms only", q)
	}
}

func TestVendorSharedKeyID(t *testing.T) {
	e := newGOSTEnv(t, 10)
	// A second 256-bit pair with the same CKA_ID and label as k256: only
	// the public key value tells them apart.
	twin, err := provision.GOST(e.module, gostToken1, e.k256.Label, []byte("k256"), 256, "B", t.TempDir(), osslref.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	m := e.openIsolated(t, Options{})
	certs, err := m.Certificates()
	if err != nil || len(certs) != 4 {
		t.Fatalf("certificates: %d, %v", len(certs), err)
	}
	calls := 0
	for round := 0; round < 2; round++ {
		for _, k := range []*provision.GOSTKey{twin, e.k256} {
			key := e.signer(t, m, k, &calls)
			e.signVerified(t, key, k, fmt.Sprintf("общий CKA_ID, %d", round))
		}
		e.replug(t, round+1, "")
	}
	key := e.signer(t, m, twin, &calls)
	if got := m.Quirks(key.Info().Token.ID); !got.SharedKeyID {
		t.Fatalf("quirks %+v, want a shared CKA_ID", got)
	}
}

func TestVendorCertificatesAfterLogin(t *testing.T) {
	e := newGOSTEnv(t, 10)
	const mode = "one.certificates = after_login"
	e.control(t, mode)
	m := e.openIsolated(t, Options{})
	// The token listing tells, before any certificate listing.
	toks, err := m.Tokens()
	if err != nil || len(toks) != 2 {
		t.Fatalf("tokens %+v, %v", toks, err)
	}
	certs, err := m.Certificates()
	if err != nil || len(certs) != 1 || certs[0].ID != CertificateID(e.kOther.CertDER) {
		t.Fatalf("before login: %d certificates, %v; want the other token's only", len(certs), err)
	}
	one := toks[0]
	if !one.CertificatesAfterLogin || toks[1].CertificatesAfterLogin {
		t.Fatalf("tokens %+v: the first should say log in to see certificates", toks)
	}
	if _, err := m.Signer(CertificateID(e.k256.CertDER), nil); !errors.Is(err, ErrCertificateNotFound) {
		t.Fatalf("signer before login: %v", err)
	}
	calls := 0
	if err := m.Login(one.ID, fixedPIN(provision.UserPIN, &calls)); err != nil {
		t.Fatal(err)
	}
	certs, err = m.Certificates()
	if err != nil || len(certs) != 3 {
		t.Fatalf("after login: %d certificates, %v", len(certs), err)
	}
	key := e.signer(t, m, e.k256, &calls)
	e.signVerified(t, key, e.k256, "сертификаты после входа")
	if calls != 1 {
		t.Fatalf("PIN asked %d times, want once", calls)
	}
	if got := m.Quirks(one.ID); !got.CertificatesAfterLogin {
		t.Fatalf("quirks %+v", got)
	}
	// Pulled out and put back: logged out, the certificates hide again,
	// and the key found before signs after a new PIN.
	e.replug(t, 1, mode)
	certs, _ = m.Certificates()
	if len(certs) != 1 {
		t.Fatalf("after re-insertion: %d certificates, want 1", len(certs))
	}
	e.signVerified(t, key, e.k256, "после переподключения")
	if calls != 2 {
		t.Fatalf("PIN asked %d times, want 2", calls)
	}
}

func TestVendorLoginShared(t *testing.T) {
	e := newGOSTEnv(t, 10)
	const mode = "one.login_shared = 1"
	e.control(t, mode)
	m := e.openIsolated(t, Options{})
	noPIN := func(PINRequest) ([]byte, error) {
		t.Error("PIN asked of a token that is logged in")
		return nil, errors.New("no")
	}
	key, err := m.Signer(CertificateID(e.k256.CertDER), noPIN)
	if err != nil {
		t.Fatal(err)
	}
	e.signVerified(t, key, e.k256, "вход уже выполнен")
	// A PIN given anyway is answered CKR_USER_ALREADY_LOGGED_IN: success.
	calls := 0
	m2 := e.openIsolated(t, Options{})
	key2, err := m2.Signer(CertificateID(e.k512.CertDER), fixedPIN(provision.UserPIN, &calls))
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Login(key2.Info().Token.ID, fixedPIN(provision.UserPIN, &calls)); err != nil {
		t.Fatalf("login to a token logged in: %v", err)
	}
	e.signVerified(t, key2, e.k512, "второй вход")
	e.replug(t, 1, mode)
	e.signVerified(t, key, e.k256, "после переподключения")
	if got := m.Quirks(key.Info().Token.ID); !got.LoginShared {
		t.Fatalf("quirks %+v", got)
	}
}

func TestVendorPINPadThroughHost(t *testing.T) {
	e := newGOSTEnv(t, 10)
	const mode = "pinpad = confirm\npinpad_delay_ms = 50"
	e.control(t, mode)
	m := e.openIsolated(t, Options{})
	toks, err := m.Tokens()
	if err != nil || !toks[0].PIN.PINPad {
		t.Fatalf("tokens %+v, %v", toks, err)
	}
	asked := 0
	key, err := m.Signer(CertificateID(e.k256.CertDER), func(PINRequest) ([]byte, error) {
		asked++
		return nil, errors.New("no")
	})
	if err != nil {
		t.Fatal(err)
	}
	e.signVerified(t, key, e.k256, "ПИН-пад")
	e.replug(t, 1, mode)
	e.signVerified(t, key, e.k256, "ПИН-пад после переподключения")
	if asked != 0 {
		t.Fatalf("PIN callback called %d times for a PIN pad", asked)
	}
	if !m.Quirks(toks[0].ID).PINPad {
		t.Fatal("no PIN pad in the quirks")
	}
}

// TestVendorNoSlotEvents: without C_WaitForSlotEvent the token's comings
// and goings are seen by polling, and signing after re-insertion needs no
// restart.
func TestVendorNoSlotEvents(t *testing.T) {
	e := newGOSTEnv(t, 10)
	e.control(t, "slot_events = 0")
	m := e.openIsolated(t, Options{PollInterval: 100 * time.Millisecond})
	ch := m.Events()
	expect := func(kind EventKind, label string) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case ev := <-ch:
				if ev.Kind == kind && ev.Token.Label == label {
					return
				}
			case <-deadline:
				t.Fatalf("no %v event for %q", kind, label)
			}
		}
	}
	expect(TokenInserted, gostToken1)
	calls := 0
	key := e.signer(t, m, e.k256, &calls)
	e.signVerified(t, key, e.k256, "до")
	e.control(t, "slot_events = 0\none.present = 0")
	expect(TokenRemoved, gostToken1)
	e.control(t, "slot_events = 0\none.present = 1")
	expect(TokenInserted, gostToken1)
	e.signVerified(t, key, e.k256, "после")
	if !m.Quirks(key.Info().Token.ID).NoSlotEvents {
		t.Fatalf("quirks %+v, want no slot events", m.Quirks(key.Info().Token.ID))
	}
}

// TestVendorSlowEnumeration: a module whose listing is slow holds up
// neither the signatures of another module's token nor, past its
// deadline, the program.
func TestVendorSlowEnumeration(t *testing.T) {
	r := newIsoRig(t, testIsolation())
	r.e.control(t, "list_delay_ms = 700")
	listed := make(chan error, 1)
	go func() {
		_, err := r.m.Certificates()
		listed <- err
	}()
	for i := 0; i < 3; i++ {
		r.signSoft(t, fmt.Sprintf("во время медленного перечисления %d", i))
	}
	select {
	case err := <-listed:
		t.Fatalf("the slow listing ended (%v) before the other module's signatures", err)
	default:
	}
	if err := <-listed; err != nil {
		t.Fatalf("slow listing: %v", err)
	}
	// Slower than the call deadline: the host is restarted, the listing
	// reports the module, the other module still signs.
	r.e.control(t, "list_delay_ms = 8000")
	_, err := r.m.Certificates()
	if !errors.Is(err, ErrModuleFailed) {
		t.Fatalf("listing past the deadline: %v, want ErrModuleFailed", err)
	}
	r.signSoft(t, "после сбоя перечисления")
	r.e.control(t, "")
	r.signGOST(t, "после восстановления")
}

func TestVendorStandardMechanismsOnly(t *testing.T) {
	e := newGOSTEnv(t, 10)
	const mode = "mechanisms = standard"
	e.control(t, mode)
	m := e.openIsolated(t, Options{})
	calls := 0
	key := e.signer(t, m, e.k256, &calls)
	e.signVerified(t, key, e.k256, "стандартные механизмы")
	k512 := e.signer(t, m, e.k512, &calls)
	if _, err := signCMS(k512, "512"); !errors.Is(err, ErrMechanismNotSupported) {
		t.Fatalf("512-bit key: %v, want ErrMechanismNotSupported", err)
	}
	e.replug(t, 1, mode)
	e.signVerified(t, key, e.k256, "после переподключения")
	if q := m.Quirks(key.Info().Token.ID); !q.StandardOnly || q.CombinedOnly {
		t.Fatalf("quirks %+v, want standard mechanisms only", q)
	}
}
