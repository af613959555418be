package p11source_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/p11source"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

// pinFrom asks pr for the PIN as the agent's PIN window would.
func pinFrom(pr *prompter) agent.PINFunc {
	return func(ctx context.Context, tok agent.Token) (*agent.PIN, error) {
		return pr.PIN(ctx, agent.PINRequest{Token: tok, TriesLeft: -1})
	}
}

// pageCertIDs lists the certificate IDs a page sees.
func pageCertIDs(p *page) map[string]bool {
	p.t.Helper()
	var certs struct{ Certificates []struct{ ID string } }
	p.must("certificates", map[string]any{}, &certs)
	out := map[string]bool{}
	for _, c := range certs.Certificates {
		out[c.ID] = true
	}
	return out
}

// A token whose certificates are private objects, in a module host: a
// page does not see its certificate until the user logs in through
// Source.Login; a wrong PIN leaves it hidden; the right one makes it
// appear, with a certificatesChanged event, and it signs without a
// second PIN, the signature verified by OpenSSL.
func TestLoginShowsCertificatesAfterLogin(t *testing.T) {
	tk := provisionTokens(t)
	tk.control(t, "one.certificates = after_login")
	m := tk.openHosted(t)
	src := p11source.New(m)
	pr := &prompter{pins: []string{provision.UserPIN}}
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	srv, err := agent.New(agent.Options{Config: agent.Config{Origins: []string{origin}}, Tokens: src, Prompter: pr, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	p := openPage(t, ln.Addr().String())
	p.must("hello", map[string]any{"protocols": []int{1}}, nil)
	p.must("subscribe", nil, nil)

	var toks struct{ Tokens []agent.Token }
	p.must("tokens", nil, &toks)
	var gost agent.Token
	for _, x := range toks.Tokens {
		if x.Label == gostToken {
			gost = x
		}
	}
	if !gost.CertificatesAfterLogin {
		t.Fatalf("tokens %+v: the GOST token should be marked certificatesAfterLogin", toks.Tokens)
	}
	gostID := pkcs11.CertificateID(tk.gost.CertDER)
	if pageCertIDs(p)[gostID] {
		t.Fatal("the page sees the certificate before any login")
	}

	// A wrong PIN: an agent PIN error, and the certificate stays hidden.
	bad := &prompter{pins: []string{"00000000"}}
	err = src.Login(context.Background(), gost.ID, pinFrom(bad))
	var pe *agent.PINError
	if !errors.As(err, &pe) {
		t.Fatalf("login with a wrong PIN: %v, want an *agent.PINError", err)
	}
	if pageCertIDs(p)[gostID] {
		t.Fatal("the page sees the certificate after a wrong PIN")
	}

	if err := src.Login(context.Background(), gost.ID, pinFrom(pr)); err != nil {
		t.Fatalf("login: %v", err)
	}
	p.event(agent.CertificatesChanged)
	if !pageCertIDs(p)[gostID] {
		t.Fatal("the page does not see the certificate after the login")
	}
	var after struct{ Tokens []agent.Token }
	p.must("tokens", nil, &after)
	for _, x := range after.Tokens {
		if x.CertificatesAfterLogin {
			t.Errorf("token %q still marked certificatesAfterLogin while logged in", x.Label)
		}
	}
	doc := []byte("Сертификат показан после входа")
	var r struct{ Signature []byte }
	p.must("sign", map[string]any{"certificate": gostID, "data": doc, "description": "Заявление"}, &r)
	if err := verify(t, tk.gost.CertPEM, r.Signature, doc); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if n := len(pr.asked()); n != 1 {
		t.Fatalf("the PIN was asked %d times, want once (the login's)", n)
	}
	// Logged in already: a second login asks nothing.
	if err := src.Login(context.Background(), gost.ID, pinFrom(pr)); err != nil || len(pr.asked()) != 1 {
		t.Fatalf("second login: %v, %d prompts", err, len(pr.asked()))
	}
}

// A login from Login ends as a signature's does: once the token has had
// no key open for the idle time, it is logged out and its certificate is
// hidden again, the token marked once more.
func TestLoginEndsAfterIdleTime(t *testing.T) {
	tk := provisionTokens(t)
	tk.control(t, "one.certificates = after_login")
	m := tk.openHosted(t)
	src := p11source.NewWithOptions(m, p11source.Options{IdleLogout: 300 * time.Millisecond})
	ctx := context.Background()
	var gost agent.Token
	toks, err := src.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range toks {
		if x.Label == gostToken {
			gost = x
		}
	}
	if !gost.CertificatesAfterLogin {
		t.Fatalf("tokens %+v", toks)
	}
	gostID := pkcs11.CertificateID(tk.gost.CertDER)
	listed := func() bool {
		cs, err := src.Certificates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.ID == gostID {
				return true
			}
		}
		return false
	}
	if err := src.Login(ctx, gost.ID, pinFrom(&prompter{pins: []string{provision.UserPIN}})); err != nil {
		t.Fatal(err)
	}
	if !listed() {
		t.Fatal("the certificate is not listed after the login")
	}
	deadline := time.Now().Add(20 * time.Second)
	for listed() {
		if time.Now().After(deadline) {
			t.Fatal("the login outlived the idle time")
		}
		time.Sleep(100 * time.Millisecond)
	}
	toks, _ = src.Tokens(ctx)
	for _, x := range toks {
		if x.ID == gost.ID && !x.CertificatesAfterLogin {
			t.Fatal("the token is not marked again after the idle logout")
		}
	}
}
