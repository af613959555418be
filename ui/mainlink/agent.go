package mainlink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/ui/wire"
)

// AgentHandler is the agent's Handler over its token source: the tokens
// as pages see them, and a login of the source with the PIN asked in
// Zavera's PIN window.
type AgentHandler struct {
	Source agent.TokenSource
	// LoginFunc is the token source's login (p11source.Source.Login); nil
	// when no PKCS#11 module is loaded.
	LoginFunc func(ctx context.Context, tokenID string, pin agent.PINFunc) error
	// PIN asks the PIN in Zavera's PIN window (the agent's Prompter).
	PIN func(ctx context.Context, r agent.PINRequest) (*agent.PIN, error)
}

// loginWait bounds a login: the user types the PIN meanwhile.
const loginWait = 5 * time.Minute

// Tokens lists the tokens with their certificates; software keys are
// left out (the window shows them in a section of their own).
func (h *AgentHandler) Tokens() ([]Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	toks, err := h.Source.Tokens(ctx)
	if err != nil && len(toks) == 0 {
		return nil, err
	}
	certs, _ := h.Source.Certificates(ctx)
	out := []Token{}
	for _, t := range toks {
		if t.SoftwareKey {
			continue
		}
		v := Token{ID: t.ID, Label: t.Label, Model: t.Model, Serial: t.Serial, PINLocked: t.PINLocked,
			CertificatesAfterLogin: t.CertificatesAfterLogin}
		for _, c := range certs {
			if c.TokenID == t.ID && c.Cert != nil {
				v.Certificates = append(v.Certificates, *wire.FromCertificate(c.Cert, t.Label))
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// Login logs the token source in to the token, asking the PIN once.
func (h *AgentHandler) Login(tokenID string) error {
	if h.LoginFunc == nil {
		return fmt.Errorf("%w: no token driver is loaded", ErrFailed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), loginWait)
	defer cancel()
	err := h.LoginFunc(ctx, tokenID, func(ctx context.Context, t agent.Token) (*agent.PIN, error) {
		return h.PIN(ctx, agent.PINRequest{Token: t, TriesLeft: -1})
	})
	var pe *agent.PINError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return fmt.Errorf("%w: %w", ErrWrongPIN, err)
	case errors.Is(err, agent.ErrCancelled):
		return fmt.Errorf("%w: %w", ErrCancelled, err)
	}
	return fmt.Errorf("%w: %w", ErrFailed, err)
}

var _ Handler = (*AgentHandler)(nil)
