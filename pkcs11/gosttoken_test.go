package pkcs11

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zavera/zavera/gost/streebog"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
)

// gostEnv is a GOST test token set-up: build/libgosttoken.so on a
// storage folder of the test's own, with two tokens.
type gostEnv struct {
	module string
	dir    string
	k256   *provision.GOSTKey // on token 1
	k512   *provision.GOSTKey // on token 1
	kOther *provision.GOSTKey // on token 2
}

const (
	gostToken1 = "Zavera GOST 1"
	gostToken2 = "Zavera GOST 2"
)

func newGOSTEnv(t *testing.T, userTries int) *gostEnv {
	t.Helper()
	module := filepath.Join(osslref.Root(t), "build", "libgosttoken.so")
	if _, err := os.Stat(module); err != nil {
		t.Fatalf("the GOST test token is not built (%v): run make testtoken", err)
	}
	dir := t.TempDir()
	t.Setenv("GOSTTOKEN_DIR", dir)
	conf := osslref.Config(t)
	if err := provision.GOSTTokenConfig(dir, userTries, "one", "two"); err != nil {
		t.Fatal(err)
	}
	if err := provision.InitTokens(module, gostToken1, gostToken2); err != nil {
		t.Fatal(err)
	}
	e := &gostEnv{module: module, dir: dir}
	var err error
	if e.k256, err = provision.GOST(module, gostToken1, "g256", []byte("k256"), 256, "A", dir, conf); err != nil {
		t.Fatal(err)
	}
	if e.k512, err = provision.GOST(module, gostToken1, "g512", []byte("k512"), 512, "C", dir, conf); err != nil {
		t.Fatal(err)
	}
	if e.kOther, err = provision.GOST(module, gostToken2, "other", []byte("other"), 256, "TCB", dir, conf); err != nil {
		t.Fatal(err)
	}
	return e
}

// control rewrites the token's fault file (renamed into place, so the
// module sees a new inode).
func (e *gostEnv) control(t *testing.T, lines string) {
	t.Helper()
	tmp := filepath.Join(e.dir, "control.tmp")
	writeFile(t, tmp, []byte(lines+"\n"))
	if err := os.Rename(tmp, filepath.Join(e.dir, "control")); err != nil {
		t.Fatal(err)
	}
}

func (e *gostEnv) open(t *testing.T, opts Options) *Manager {
	t.Helper()
	opts.Modules = []string{e.module}
	opts.NoDiscovery, opts.NoEnvironment = true, true
	m, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Modules()[0].Err; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func (e *gostEnv) signer(t *testing.T, m *Manager, k *provision.GOSTKey, calls *int) *Key {
	t.Helper()
	key, err := m.Signer(CertificateID(k.CertDER), fixedPIN(provision.UserPIN, calls))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestGOSTTokenSigns256And512(t *testing.T) {
	e := newGOSTEnv(t, 10)
	m := e.open(t, Options{})
	toks, err := m.Tokens()
	if err != nil || len(toks) != 2 || toks[0].Label != gostToken1 || toks[1].Label != gostToken2 {
		t.Fatalf("tokens %+v, %v", toks, err)
	}
	certs, err := m.Certificates()
	if err != nil || len(certs) != 3 {
		t.Fatalf("certificates: %d, %v", len(certs), err)
	}
	for _, c := range certs {
		if c.Key != KeyAfterLogin || c.Cert.Subject.INNLE != "7707083893" || c.Cert.Subject.SNILS != "11223344595" {
			t.Errorf("%s: key %v subject %+v", c.Label, c.Key, c.Cert.Subject)
		}
	}
	dir := t.TempDir()
	calls := 0
	for _, k := range []*provision.GOSTKey{e.k256, e.k512, e.kOther} {
		key := e.signer(t, m, k, &calls)
		if key.Certificate().KeyBits != k.Bits {
			t.Fatalf("%s: %d-bit key", k.Label, key.Certificate().KeyBits)
		}
		for i := 0; i < 2; i++ {
			content := []byte(fmt.Sprintf("отчёт %d, ключ %s", i, k.Label))
			sig, err := signCMS(key, string(content))
			if err != nil {
				t.Fatalf("%s: %v", k.Label, err)
			}
			verifyWithOpenSSL(t, dir, sig, content, k.CertPEM)
		}
	}
	// One login per token.
	if calls != 2 {
		t.Fatalf("PIN asked %d times for two tokens, want 2", calls)
	}
}

func TestGOSTTokenRemovedMidBatchThenNextBatchWorks(t *testing.T) {
	e := newGOSTEnv(t, 10)
	m := e.open(t, Options{PollInterval: 50 * time.Millisecond})
	events := m.Events()
	waitEvent := func(kind EventKind, label string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case ev := <-events:
				if ev.Kind == kind && ev.Token.Label == label {
					return
				}
			case <-deadline:
				t.Fatalf("no %v event for %q", kind, label)
			}
		}
	}
	waitEvent(TokenInserted, gostToken1)
	calls := 0
	key := e.signer(t, m, e.k256, &calls)
	batch := func(n int, pullAfter int) error {
		for i := 0; i < n; i++ {
			if i == pullAfter {
				e.control(t, "one.present = 0")
			}
			content := fmt.Sprintf("файл %d", i)
			sig, err := signCMS(key, content)
			if err != nil {
				return err
			}
			verifyWithOpenSSL(t, e.dir, sig, []byte(content), e.k256.CertPEM)
		}
		return nil
	}
	err := batch(5, 2)
	if !errors.Is(err, ErrTokenRemoved) {
		t.Fatalf("batch with the token pulled out: %v, want ErrTokenRemoved", err)
	}
	waitEvent(TokenRemoved, gostToken1)
	e.control(t, "one.present = 1")
	waitEvent(TokenInserted, gostToken1)
	if err := batch(3, -1); err != nil {
		t.Fatalf("batch after reinsertion: %v", err)
	}
	if calls != 2 {
		t.Fatalf("PIN asked %d times, want 2", calls)
	}
	// Pulled and put back between two batches without anyone looking:
	// the next batch still works.
	e.control(t, "one.present = 0")
	e.control(t, "one.present = 1\n# again")
	if err := batch(2, -1); err != nil {
		t.Fatalf("batch after an unnoticed reinsertion: %v", err)
	}
}

func TestGOSTTokenWrongPINDownToLocked(t *testing.T) {
	e := newGOSTEnv(t, 3)
	m := e.open(t, Options{})
	key, err := m.Signer(CertificateID(e.k256.CertDER), fixedPIN("00000000", nil))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{-1, 1, 0} {
		_, err := signCMS(key, "x")
		var pe *PINError
		if !errors.As(err, &pe) || pe.TriesLeft != want {
			t.Fatalf("try %d: %v (%+v), want %d tries left", i+1, err, pe, want)
		}
		if want != 0 && (!errors.Is(err, ErrPINIncorrect) || !pe.CountLow) {
			t.Fatalf("try %d: %v, want ErrPINIncorrect with the count low", i+1, err)
		}
		if want == 0 && !errors.Is(err, ErrPINLocked) {
			t.Fatalf("try %d: %v, want ErrPINLocked", i+1, err)
		}
	}
	toks, _ := m.Tokens()
	if !toks[0].PIN.Locked {
		t.Fatalf("token %+v, want the PIN locked", toks[0].PIN)
	}
	good := e.signer(t, m, e.k256, nil)
	if _, err := signCMS(good, "x"); !errors.Is(err, ErrPINLocked) {
		t.Fatalf("right PIN on a locked token: %v, want ErrPINLocked", err)
	}
}

func TestGOSTTokenDeviceError(t *testing.T) {
	e := newGOSTEnv(t, 10)
	m := e.open(t, Options{})
	key := e.signer(t, m, e.k512, nil)
	e.control(t, "fail_sign = 2")
	if _, err := signCMS(key, "first"); err != nil {
		t.Fatal(err)
	}
	if _, err := signCMS(key, "second"); !errors.Is(err, ErrDeviceError) {
		t.Fatalf("%v, want ErrDeviceError", err)
	}
	sig, err := signCMS(key, "third")
	if err != nil {
		t.Fatalf("after a device error: %v", err)
	}
	verifyWithOpenSSL(t, e.dir, sig, []byte("third"), e.k512.CertPEM)
}

func TestGOSTTokenSlowTokenDoesNotBlockTheOther(t *testing.T) {
	e := newGOSTEnv(t, 10)
	m := e.open(t, Options{})
	slow := e.signer(t, m, e.k256, nil)
	fast := e.signer(t, m, e.kOther, nil)
	// Log both in first so that only signing is measured against order.
	for _, k := range []*Key{slow, fast} {
		if _, err := signCMS(k, "warm"); err != nil {
			t.Fatal(err)
		}
	}
	e.control(t, "one.sign_delay_ms = 1500")
	done := make(chan string, 2)
	errs := make(chan error, 2)
	go func() {
		sig, err := signCMS(slow, "slow")
		if err == nil {
			verifyWithOpenSSL(t, e.dir, sig, []byte("slow"), e.k256.CertPEM)
		}
		errs <- err
		done <- "slow"
	}()
	time.Sleep(100 * time.Millisecond) // the slow signature is under way
	go func() {
		sig, err := signCMS(fast, "fast")
		if err == nil {
			verifyWithOpenSSL(t, e.dir, sig, []byte("fast"), e.kOther.CertPEM)
		}
		errs <- err
		done <- "fast"
	}()
	first, second := <-done, <-done
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if first != "fast" || second != "slow" {
		t.Fatalf("finished %s then %s: the slow token held up the other", first, second)
	}
}

func TestGOSTTokenPINPad(t *testing.T) {
	e := newGOSTEnv(t, 10)
	e.control(t, "pinpad = confirm")
	m := e.open(t, Options{})
	toks, _ := m.Tokens()
	if !toks[0].PIN.PINPad {
		t.Fatalf("token %+v has no PIN pad", toks[0].PIN)
	}
	key, err := m.Signer(CertificateID(e.k256.CertDER), func(PINRequest) ([]byte, error) {
		t.Error("PIN callback called for a PIN pad token")
		return nil, errors.New("no")
	})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signCMS(key, "pad")
	if err != nil {
		t.Fatal(err)
	}
	verifyWithOpenSSL(t, e.dir, sig, []byte("pad"), e.k256.CertPEM)
	m.Logout(key.Info().Token.ID)
	e.control(t, "pinpad = cancel")
	if _, err := signCMS(key, "pad"); !errors.Is(err, ErrCancelled) {
		t.Fatalf("%v, want ErrCancelled", err)
	}
	e.control(t, "pinpad = wrong")
	var pe *PINError
	if _, err := signCMS(key, "pad"); !errors.Is(err, ErrPINIncorrect) || !errors.As(err, &pe) || !pe.CountLow {
		t.Fatalf("%v, want a wrong PIN typed on the pad", err)
	}
}

func TestGOSTTokenTwoTokensSignInParallel(t *testing.T) {
	e := newGOSTEnv(t, 10)
	e.control(t, "sign_delay_ms = 5")
	m := e.open(t, Options{})
	keys := []*Key{e.signer(t, m, e.k512, nil), e.signer(t, m, e.kOther, nil)}
	pubs := []*provision.GOSTKey{e.k512, e.kOther}
	type result struct {
		i   int
		msg string
		sig []byte
		err error
	}
	results := make(chan result, 80)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for n := 0; n < 10; n++ {
				msg := fmt.Sprintf("goroutine %d document %d", g, n)
				sig, err := keys[g%2].SignMessage(nil, []byte(msg), nil)
				results <- result{g % 2, msg, sig, err}
			}
		}(g)
	}
	for n := 0; n < 80; n++ {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		h := streebogFor(pubs[r.i].Bits, []byte(r.msg))
		if err := pubs[r.i].Private.PublicKey().Verify(h, r.sig); err != nil {
			t.Fatalf("%s: %v", r.msg, err)
		}
	}
}

// TestGOSTTokenEventsFromWaitForSlotEvent sets a poll interval far
// longer than the test: the events can only come from the thread that
// waits in C_WaitForSlotEvent.
func TestGOSTTokenEventsFromWaitForSlotEvent(t *testing.T) {
	e := newGOSTEnv(t, 10)
	m := e.open(t, Options{PollInterval: time.Hour})
	ch := m.Events()
	expect := func(kind EventKind, label string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case ev := <-ch:
				if ev.Kind == kind && ev.Token.Label == label {
					return
				}
				t.Logf("event %v %q", ev.Kind, ev.Token.Label)
			case <-deadline:
				t.Fatalf("no %v event for %q", kind, label)
			}
		}
	}
	expect(TokenInserted, gostToken1)
	expect(TokenInserted, gostToken2)
	e.control(t, "two.present = 0")
	expect(TokenRemoved, gostToken2)
	e.control(t, "two.present = 1")
	expect(TokenInserted, gostToken2)
	m.Close()
	for range ch {
	}
}

func streebogFor(bits int, msg []byte) []byte {
	if bits == 512 {
		h := streebog.Sum512(msg)
		return h[:]
	}
	h := streebog.Sum256(msg)
	return h[:]
}
