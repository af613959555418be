package multisource

import (
	"context"
	"errors"
	"testing"

	"github.com/zavera/zavera/agent"
)

// fake is one source with fixed certificates.
type fake struct {
	name  string
	certs []string
	err   error
	subs  int
}

func (f *fake) Tokens(context.Context) ([]agent.Token, error) {
	if f.err != nil {
		return nil, f.err
	}
	return []agent.Token{{ID: f.name}}, nil
}

func (f *fake) Certificates(context.Context) ([]agent.Certificate, error) {
	if f.err != nil {
		return nil, f.err
	}
	var out []agent.Certificate
	for _, c := range f.certs {
		out = append(out, agent.Certificate{ID: c, TokenID: f.name})
	}
	return out, nil
}

type namedKey struct {
	agent.Key
	source string
}

func (f *fake) OpenKey(_ context.Context, id string, _ agent.PINFunc) (agent.Key, error) {
	for _, c := range f.certs {
		if c == id {
			return namedKey{source: f.name}, nil
		}
	}
	return nil, agent.ErrCertificateNotFound
}

func (f *fake) Subscribe(func(agent.TokenEvent)) func() { f.subs++; return func() { f.subs-- } }

func TestJoin(t *testing.T) {
	a := &fake{name: "a", certs: []string{"1", "2"}}
	b := &fake{name: "b", certs: []string{"3"}}
	s := New(a, nil, b)
	ctx := context.Background()
	certs, err := s.Certificates(ctx)
	if err != nil || len(certs) != 3 || certs[2].TokenID != "b" {
		t.Fatalf("Certificates = %+v, %v", certs, err)
	}
	toks, err := s.Tokens(ctx)
	if err != nil || len(toks) != 2 {
		t.Fatalf("Tokens = %+v, %v", toks, err)
	}
	// OpenKey goes to the owner, also before any listing.
	for _, s := range []*Source{s, New(a, b)} {
		k, err := s.OpenKey(ctx, "3", nil)
		if err != nil || k.(namedKey).source != "b" {
			t.Errorf("OpenKey(3) = %v, %v", k, err)
		}
	}
	if _, err := s.OpenKey(ctx, "9", nil); !errors.Is(err, agent.ErrCertificateNotFound) {
		t.Errorf("OpenKey(unknown) = %v", err)
	}
	stop := s.Subscribe(func(agent.TokenEvent) {})
	if a.subs != 1 || b.subs != 1 {
		t.Error("not subscribed to every source")
	}
	stop()
	if a.subs != 0 || b.subs != 0 {
		t.Error("not unsubscribed")
	}
}

// TestOneSourceFails: a failing source hides only its own tokens.
func TestOneSourceFails(t *testing.T) {
	broken := errors.New("module crashed")
	s := New(&fake{name: "a", err: broken}, &fake{name: "b", certs: []string{"3"}})
	certs, err := s.Certificates(context.Background())
	if err != nil || len(certs) != 1 {
		t.Fatalf("Certificates = %+v, %v", certs, err)
	}
	if _, err := New(&fake{err: broken}).Certificates(context.Background()); !errors.Is(err, broken) {
		t.Errorf("every source failing: %v", err)
	}
}
