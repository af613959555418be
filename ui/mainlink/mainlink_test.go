package mainlink

import (
	"errors"
	"io"
	"testing"

	"github.com/zavera/zavera/ui/wire"
)

type fakeAgent struct {
	pinOK    bool
	loggedIn bool
	logins   []string
}

func (f *fakeAgent) Tokens() ([]Token, error) {
	t := Token{ID: "t1", Label: "JaCarta GOST", CertificatesAfterLogin: !f.loggedIn}
	if f.loggedIn {
		t.Certificates = []wire.Cert{{Owner: "Сидоров Пётр"}}
	}
	return []Token{t}, nil
}

func (f *fakeAgent) Login(id string) error {
	f.logins = append(f.logins, id)
	switch {
	case id != "t1":
		return errors.New("no such token")
	case !f.pinOK:
		return errors.Join(ErrWrongPIN, errors.New("CKR_PIN_INCORRECT"))
	}
	f.loggedIn = true
	return nil
}

// Requests and replies cross real pipes, the codes come back as the
// sentinels, and a link whose agent is gone says so.
func TestLink(t *testing.T) {
	reqR, reqW := io.Pipe()
	repR, repW := io.Pipe()
	a := &fakeAgent{}
	done := make(chan error, 1)
	go func() { done <- Serve(reqR, repW, a); repW.Close() }()
	c := NewClient(repR, reqW)

	toks, err := c.Tokens()
	if err != nil || len(toks) != 1 || !toks[0].CertificatesAfterLogin || len(toks[0].Certificates) != 0 {
		t.Fatalf("tokens before login: %+v, %v", toks, err)
	}
	if err := c.Login("t1"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("login with a wrong PIN: %v", err)
	}
	if err := c.Login("nope"); !errors.Is(err, ErrFailed) {
		t.Fatalf("login to an unknown token: %v", err)
	}
	a.pinOK = true
	if err := c.Login("t1"); err != nil {
		t.Fatalf("login: %v", err)
	}
	toks, err = c.Tokens()
	if err != nil || toks[0].CertificatesAfterLogin || len(toks[0].Certificates) != 1 || toks[0].Certificates[0].Owner != "Сидоров Пётр" {
		t.Fatalf("tokens after login: %+v, %v", toks, err)
	}
	reqW.Close()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if err := c.Login("t1"); !errors.Is(err, ErrClosed) {
		t.Fatalf("login with the agent gone: %v", err)
	}
}
