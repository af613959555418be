package pkcs11

import (
	"errors"
	"sync"
	"testing"
	"time"

	p11 "github.com/miekg/pkcs11"
)

// gate makes a fake token's C_Sign wait until n signatures are inside at
// once (or a timeout), and records the most seen together.
type gate struct {
	mu      sync.Mutex
	cond    *sync.Cond
	inside  int
	most    int
	need    int
	release chan struct{}
}

func newGate(need int) *gate {
	g := &gate{need: need, release: make(chan struct{})}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// released reports whether the signatures were let go (later ones do not
// wait for company).
func (g *gate) released() bool {
	select {
	case <-g.release:
		return true
	default:
		return false
	}
}

func (g *gate) wrap(tok *fakeToken) {
	inner := tok.sign
	tok.sign = func(mech uint, o *fakeObject, d []byte) ([]byte, error) {
		g.mu.Lock()
		g.inside++
		g.most = max(g.most, g.inside)
		g.cond.Broadcast()
		deadline := time.Now().Add(5 * time.Second)
		for g.inside < g.need && time.Now().Before(deadline) && !g.released() {
			g.mu.Unlock()
			time.Sleep(time.Millisecond)
			g.mu.Lock()
		}
		g.mu.Unlock()
		<-g.release
		g.mu.Lock()
		g.inside--
		g.mu.Unlock()
		return inner(mech, o, d)
	}
}

// Once the token is logged in and the key known, signatures of one token
// run side by side, each in an extra session of its own; one more waits
// for a session to come back.
func TestSignaturesOfOneTokenRunTogether(t *testing.T) {
	tok, _, _, key := pinnedSigner(t, "par")
	if _, err := signCMS(key, "logs in"); err != nil {
		t.Fatal(err)
	}
	g := newGate(maxExtraSessions)
	g.wrap(tok)
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			_, err := signCMS(key, "together")
			errs <- err
		}()
	}
	// Wait until the signatures are inside C_Sign, then let them go.
	deadline := time.Now().Add(10 * time.Second)
	g.mu.Lock()
	for g.most < maxExtraSessions && time.Now().Before(deadline) {
		g.mu.Unlock()
		time.Sleep(time.Millisecond)
		g.mu.Lock()
	}
	most := g.most
	g.mu.Unlock()
	close(g.release)
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if most < maxExtraSessions {
		t.Fatalf("at most %d signatures of one token ran at once, want %d", most, maxExtraSessions)
	}
	g.mu.Lock()
	most = g.most
	g.mu.Unlock()
	if most > maxExtraSessions {
		t.Fatalf("%d signatures ran at once: the third should wait for an extra session", most)
	}
	key.t.mu.Lock()
	extra := key.t.extra
	key.t.mu.Unlock()
	if extra > maxExtraSessions {
		t.Fatalf("%d extra sessions open, the bound is %d", extra, maxExtraSessions)
	}
}

// A key without login never asks for the PIN nor logs in: it says a PIN
// is needed, and signs once the token is logged in.
func TestKeyWithoutLogin(t *testing.T) {
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	tok := gostFakeToken(t, "quiet", k)
	m := fakeManager(t, newFakeModule(t, tok), Options{})
	asked := 0
	key, err := m.Signer(CertificateID(k.der), func(PINRequest) ([]byte, error) {
		asked++
		return []byte("1234"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	quiet := key.WithoutLogin()
	if _, err := signCMS(quiet, "no login"); !errors.Is(err, ErrPINRequired) {
		t.Fatalf("before a login: %v, want ErrPINRequired", err)
	}
	if asked != 0 || len(tok.logins) != 0 || len(tok.signs) != 0 {
		t.Fatalf("the key without login asked %d times, logged in %v, signed %v", asked, tok.logins, tok.signs)
	}
	if _, err := signCMS(key, "logs in"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		sig, err := signCMS(quiet, "after the login")
		if err != nil {
			t.Fatalf("signature %d without login after the login: %v", i, err)
		}
		if i == 0 {
			verifyWithOpenSSL(t, t.TempDir(), sig, []byte("after the login"), k.pem)
		}
	}
	if asked != 1 {
		t.Fatalf("PIN asked %d times, want once", asked)
	}
	// A key that wants the PIN before each signature never signs quietly.
	tok.objects[2].attrs[p11.CKA_ALWAYS_AUTHENTICATE] = []byte{1}
	m.Logout(key.Info().Token.ID)
	if _, err := signCMS(key, "logs in again"); err != nil {
		t.Fatal(err)
	}
	signs := len(tok.signs)
	if _, err := key.WithoutLogin().Sign(nil, make([]byte, 32), nil); !errors.Is(err, ErrPINRequired) {
		t.Fatalf("a key with CKA_ALWAYS_AUTHENTICATE without login: %v, want ErrPINRequired", err)
	}
	if len(tok.signs) != signs {
		t.Fatal("a key with CKA_ALWAYS_AUTHENTICATE signed without its context login")
	}
}

// Close waits for signatures running in extra sessions before the module
// is finalized, and drops those sessions.
func TestCloseWaitsForSignaturesInExtraSessions(t *testing.T) {
	tok, f, m, key := pinnedSigner(t, "close")
	for range 2 { // the second finds the key's handle known: extra session
		if _, err := signCMS(key, "warm"); err != nil {
			t.Fatal(err)
		}
	}
	g := newGate(1)
	g.wrap(tok)
	done := make(chan error, 1)
	go func() {
		_, err := signCMS(key, "in flight")
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g.mu.Lock()
		in := g.inside
		g.mu.Unlock()
		if in == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the signature did not start")
		}
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { m.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a signature was running in an extra session")
	case <-time.After(100 * time.Millisecond):
	}
	close(g.release)
	<-closed
	if err := <-done; err != nil {
		t.Fatalf("the signature running at Close: %v", err)
	}
	f.mu.Lock()
	open := len(f.sessions)
	fin := f.finalized
	f.mu.Unlock()
	if open != 0 || fin == 0 {
		t.Fatalf("after Close: %d sessions open, finalized %d times", open, fin)
	}
}

// A signature that fails in an extra session is reported as on the token's
// own session, and the session is not used again.
func TestDeviceErrorInAnExtraSession(t *testing.T) {
	tok, f, _, key := pinnedSigner(t, "err")
	for range 2 {
		if _, err := signCMS(key, "warm"); err != nil {
			t.Fatal(err)
		}
	}
	tok.failNext = p11.CKR_DEVICE_ERROR
	if _, err := signCMS(key, "x"); !errors.Is(err, ErrDeviceError) {
		t.Fatalf("%v, want ErrDeviceError", err)
	}
	for range 5 {
		if _, err := signCMS(key, "y"); err != nil {
			t.Fatalf("after a device error: %v", err)
		}
	}
	key.t.mu.Lock()
	extra, spare := key.t.extra, len(key.t.spare)
	key.t.mu.Unlock()
	if extra < 0 || extra > maxExtraSessions || spare > extra {
		t.Fatalf("extra sessions %d, idle %d", extra, spare)
	}
	f.mu.Lock()
	open := len(f.sessions)
	f.mu.Unlock()
	if open != 1+extra {
		t.Fatalf("%d sessions open in the module, the token counts 1 + %d", open, extra)
	}
}

// Dropping the token's session (a context login given up, a removal)
// closes its extra sessions too.
func TestDropSessionClosesExtraSessions(t *testing.T) {
	_, f, _, key := pinnedSigner(t, "drop")
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := signCMS(key, "warm"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := signCMS(key, "one more"); err != nil {
		t.Fatal(err)
	}
	key.t.mu.Lock()
	extra := key.t.extra
	key.t.dropSession()
	key.t.mu.Unlock()
	if extra == 0 {
		t.Fatal("no extra session was opened")
	}
	f.mu.Lock()
	open := len(f.sessions)
	f.mu.Unlock()
	if open != 0 {
		t.Fatalf("%d sessions left open in the module after dropping the token's session", open)
	}
	if _, err := signCMS(key, "after"); err != nil {
		t.Fatalf("after the drop: %v", err)
	}
}

// pinnedSigner is a GOST key on a fake token alone in a fake module, and
// the key's signer, which answers the PIN prompt with the right PIN.
func pinnedSigner(t *testing.T, label string) (*fakeToken, *fakeModule, *Manager, *Key) {
	t.Helper()
	k := newGOSTKey(t, 256, "TCA", "Иванов")
	tok := gostFakeToken(t, label, k)
	f := newFakeModule(t, tok)
	m := fakeManager(t, f, Options{})
	key, err := m.Signer(CertificateID(k.der), fixedPIN("1234", nil))
	if err != nil {
		t.Fatal(err)
	}
	return tok, f, m, key
}
