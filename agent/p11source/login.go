package p11source

import (
	"context"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/pkcs11"
)

// Login logs the user in to the token with the given ID, asking pin for
// the PIN, so that a token that shows its certificates only after a login
// (agent.Token.CertificatesAfterLogin) lists them. It is for the user's
// own action in the main window, never for a page's request: a page's
// certificates call does not log in. A token logged in already is left
// as it is and pin is not called.
//
// On success the certificate cache is dropped and subscribers get a
// CertificatesChanged event for the token, so that pages' lists refresh.
// The login then lasts as a signature's does: the idle time starts now
// (Options.IdleLogout), and Lock or removal ends it. A wrong PIN is an
// *agent.PINError, a cancelled prompt agent.ErrCancelled, a removed
// token agent.ErrTokenNotFound; nothing changes then.
func (s *Source) Login(ctx context.Context, tokenID string, pin agent.PINFunc) error {
	pf := func(r pkcs11.PINRequest) ([]byte, error) {
		p, err := pin(ctx, toToken(r.Token))
		if err != nil {
			return nil, err
		}
		defer p.Wipe()
		out := make([]byte, p.Len())
		copy(out, p.Bytes()) // package pkcs11 wipes it after C_Login
		return out, nil
	}
	// Held across the login, so that an idle timer of the token does not
	// log it out in the middle; released after, which starts the idle
	// time of this login.
	release := s.idle.hold(tokenID)
	defer release()
	if err := s.m.Login(tokenID, pf); err != nil {
		return mapErr(err)
	}
	s.cacheMu.Lock()
	s.gen++
	s.keys = map[string]*sharedKey{}
	s.cacheMu.Unlock()
	s.publish(agent.TokenEvent{Kind: agent.CertificatesChanged, TokenID: tokenID})
	return nil
}
