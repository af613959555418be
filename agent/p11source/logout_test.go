package p11source_test

import (
	"context"
	"crypto"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/p11source"
	"github.com/zavera/zavera/agent/sessionlock"
	"github.com/zavera/zavera/internal/dbustest"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

// logoutCase is one real token and its key for the logout tests.
type logoutCase struct {
	name string
	der  []byte
	opts crypto.SignerOpts
}

func logoutCases(tk *tokens) []logoutCase {
	return []logoutCase{{"GOST on the test token", tk.gost.CertDER, nil}, {"ECDSA on SoftHSM", tk.ecdsa.CertDER, crypto.SHA256}}
}

// signer opens keys of one certificate and counts the PIN prompts.
type signer struct {
	t     *testing.T
	src   *p11source.Source
	m     *pkcs11.Manager
	id    string
	opts  crypto.SignerOpts
	asked atomic.Int32
	token string
}

func newSigner(t *testing.T, src *p11source.Source, m *pkcs11.Manager, c logoutCase) *signer {
	s := &signer{t: t, src: src, m: m, id: pkcs11.CertificateID(c.der), opts: c.opts}
	certs, err := m.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range certs {
		if ci.ID == s.id {
			s.token = ci.Token.ID
		}
	}
	if s.token == "" {
		t.Fatalf("certificate %s not found", s.id)
	}
	return s
}

func (s *signer) open() agent.Key {
	s.t.Helper()
	k, err := s.src.OpenKey(context.Background(), s.id, func(context.Context, agent.Token) (*agent.PIN, error) {
		s.asked.Add(1)
		return agent.NewPIN([]byte(provision.UserPIN)), nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return k
}

func (s *signer) sign(k agent.Key) {
	s.t.Helper()
	if _, err := k.(crypto.MessageSigner).SignMessage(nil, []byte("document"), s.opts); err != nil {
		s.t.Fatal(err)
	}
}

// signOnce is one request: open, sign, close.
func (s *signer) signOnce() {
	s.t.Helper()
	k := s.open()
	defer k.Close()
	s.sign(k)
}

// loggedIn asks the module.
func (s *signer) loggedIn() bool {
	s.t.Helper()
	in, err := s.m.LoginState(s.token)
	if err != nil {
		s.t.Fatal(err)
	}
	return in
}

func (s *signer) wantAsked(n int32) {
	s.t.Helper()
	if got := s.asked.Load(); got != n {
		s.t.Fatalf("the PIN was asked %d times, want %d", got, n)
	}
}

// waitLoggedOut waits until the module reports the token logged out.
func (s *signer) waitLoggedOut(why string) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for s.loggedIn() {
		if time.Now().After(deadline) {
			s.t.Fatalf("the token is still logged in: %s", why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With an idle logout of 200 ms on real tokens: a key kept open (a batch)
// keeps the login past it, and signs on without a new PIN; once the last
// key closes and 200 ms pass with no signature, the module reports the
// token logged out (C_GetSessionInfo) and the next signature asks for the
// PIN again.
func TestIdleLogoutAsksThePINAgain(t *testing.T) {
	tk := provisionTokens(t)
	m := tk.open(t)
	const idle = 200 * time.Millisecond
	src := p11source.NewWithOptions(m, p11source.Options{IdleLogout: idle})
	for _, c := range logoutCases(tk) {
		t.Run(c.name, func(t *testing.T) {
			s := newSigner(t, src, m, c)
			k := s.open()
			s.sign(k)
			s.wantAsked(1)
			if !s.loggedIn() {
				t.Fatal("the token is not logged in after a signature")
			}
			// A batch that signs over longer than the idle time.
			for range 3 {
				time.Sleep(idle * 2)
				if !s.loggedIn() {
					t.Fatal("the token was logged out while a key was open")
				}
				s.sign(k)
			}
			s.wantAsked(1)
			k.Close()
			s.waitLoggedOut("no signature for the idle time")
			s.signOnce()
			s.wantAsked(2)
			s.waitLoggedOut("no signature for the idle time, a second time")
		})
	}
}

// Lock logs every token out at once, also while a key is open: the
// next signature with that key asks for the PIN again and is made.
func TestLockLogsOut(t *testing.T) {
	tk := provisionTokens(t)
	m := tk.open(t)
	src := p11source.NewWithOptions(m, p11source.Options{IdleLogout: time.Hour})
	var ss []*signer
	var keys []agent.Key
	for _, c := range logoutCases(tk) {
		s := newSigner(t, src, m, c)
		k := s.open()
		s.sign(k)
		ss, keys = append(ss, s), append(keys, k)
	}
	src.Lock("test")
	for i, s := range ss {
		if s.loggedIn() {
			t.Fatalf("%s: still logged in after Lock", logoutCases(tk)[i].name)
		}
		s.sign(keys[i])
		s.wantAsked(2)
		keys[i].Close()
	}
}

// A screen saver's lock signal on a real session bus, watched by package
// sessionlock and wired to Lock as `zavera serve` wires it, logs the
// tokens out.
func TestScreenLockSignalLogsOut(t *testing.T) {
	tk := provisionTokens(t)
	m := tk.open(t)
	src := p11source.NewWithOptions(m, p11source.Options{IdleLogout: time.Hour})
	addr := dbustest.Daemon(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path="+t.TempDir()+"/none")
	stop, err := sessionlock.Watch(func(e sessionlock.Event) { src.Lock(e.String()) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	s := newSigner(t, src, m, logoutCases(tk)[0])
	s.signOnce()
	if !s.loggedIn() {
		t.Fatal("the token is not logged in after a signature")
	}
	c, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Emit("/org/gnome/ScreenSaver", "org.gnome.ScreenSaver.ActiveChanged", true); err != nil {
		t.Fatal(err)
	}
	s.waitLoggedOut("the screen locked")
	s.signOnce()
	s.wantAsked(2)
}
