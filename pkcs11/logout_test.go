package pkcs11

import (
	"slices"
	"testing"

	"github.com/zavera/zavera/cms"
)

// LogoutAll ends the login of every token that has one and says which;
// LoginState reports what the module says before and after; the next
// signature logs in again.
func TestFakeLogoutAllAndLoginState(t *testing.T) {
	k1, k2 := newGOSTKey(t, 256, "TCA", "Иванов"), newGOSTKey(t, 256, "TCA", "Петров")
	t1, t2 := gostFakeToken(t, "one", k1), gostFakeToken(t, "two", k2)
	m := fakeManager(t, newFakeModule(t, t1, t2), Options{})
	certs, err := m.Certificates()
	if err != nil || len(certs) != 2 {
		t.Fatalf("certificates: %v, %v", certs, err)
	}
	tokOf := map[string]string{}
	for _, c := range certs {
		tokOf[c.Token.Label] = c.Token.ID
	}
	asked := 0
	key, err := m.Signer(CertificateID(k1.der), func(PINRequest) ([]byte, error) { asked++; return []byte("1234"), nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := key.Sign(nil, make([]byte, 32), &cms.SignerOpts{}); err != nil {
		t.Fatal(err)
	}
	for label, want := range map[string]bool{"one": true, "two": false} {
		if in, err := m.LoginState(tokOf[label]); err != nil || in != want {
			t.Fatalf("token %s: logged in %v (%v), want %v", label, in, err, want)
		}
	}
	if ended := m.LogoutAll(); !slices.Equal(ended, []string{tokOf["one"]}) {
		t.Fatalf("LogoutAll ended %v, want only token one", ended)
	}
	if in, err := m.LoginState(tokOf["one"]); err != nil || in || t1.loggedIn {
		t.Fatalf("after LogoutAll: logged in %v (%v)", in, err)
	}
	if m.Logout(tokOf["one"]) {
		t.Fatal("Logout of a token logged out reports a login ended")
	}
	if _, err := key.Sign(nil, make([]byte, 32), &cms.SignerOpts{}); err != nil {
		t.Fatal(err)
	}
	if asked != 2 {
		t.Fatalf("the PIN was asked %d times, want 2", asked)
	}
	if _, err := m.LoginState("no-such-token"); err == nil {
		t.Fatal("LoginState of an unknown token")
	}
}
