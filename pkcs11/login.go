package pkcs11

import (
	"errors"
	"fmt"

	p11 "github.com/miekg/pkcs11"
)

// PINRequest tells a PIN callback which token asks and why.
type PINRequest struct {
	Token Token
	// ContextSpecific is true for the extra login that a key with
	// CKA_ALWAYS_AUTHENTICATE needs before each signature.
	ContextSpecific bool
}

// PINFunc supplies the user PIN. It returns the PIN in a slice this
// package wipes after use, or an error (wrapped into ErrCancelled) when
// the user declines. It is called with the token's lock held: it must
// not call back into the same token.
type PINFunc func(PINRequest) ([]byte, error)

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// login logs the user in unless the session is logged in already or the
// token needs no login. The caller holds the token lock.
func (s *session) login(pin PINFunc) error {
	if err := s.loggedIn(); !errors.Is(err, ErrPINRequired) {
		return err
	}
	if err := s.doLogin(p11.CKU_USER, pin, false); err != nil {
		return err
	}
	s.t.loggedIn = true
	s.t.changed()
	return nil
}

// loggedIn returns nil when the token needs no login now and
// ErrPINRequired when it does, without logging in.
func (s *session) loggedIn() error {
	t := s.t
	if t.loggedIn {
		return nil
	}
	ti, err := t.refreshInfo()
	if err != nil {
		return err
	}
	if ti.Flags&p11.CKF_LOGIN_REQUIRED == 0 {
		return nil
	}
	// Some drivers keep a login across programs, or another program of
	// this user logged in: the session is in a user state already, and
	// asking for the PIN would only get CKR_USER_ALREADY_LOGGED_IN.
	if si, err := s.be.GetSessionInfo(s.h); err == nil &&
		(si.State == p11.CKS_RO_USER_FUNCTIONS || si.State == p11.CKS_RW_USER_FUNCTIONS) {
		t.loggedIn, t.loginShared = true, true
		t.changed()
		return nil
	}
	return ErrPINRequired
}

// doLogin runs C_Login for userType, with the PIN pad when the token has
// one, else with the PIN from the callback.
func (s *session) doLogin(userType uint, pin PINFunc, contextSpecific bool) error {
	t := s.t
	var secret []byte
	if !t.info.PIN.PINPad {
		if pin == nil {
			return ErrPINRequired
		}
		var err error
		secret, err = pin(PINRequest{Token: t.info, ContextSpecific: contextSpecific})
		if err != nil {
			wipe(secret)
			if errors.Is(err, ErrCancelled) {
				return err
			}
			return fmt.Errorf("%w: %w", ErrCancelled, err)
		}
		if len(secret) == 0 {
			return fmt.Errorf("%w: empty PIN", ErrPINInvalid)
		}
	}
	err := s.be.Login(s.h, userType, secret)
	wipe(secret)
	if err == nil {
		return nil
	}
	if code, ok := codeOf(err); ok && code == p11.CKR_USER_ALREADY_LOGGED_IN && userType == p11.CKU_USER {
		t.loginShared = true
		return nil
	}
	mapped := mapError("C_Login", err)
	var pe *Error
	if errors.As(mapped, &pe) && (pe.Kind == ErrPINIncorrect || pe.Kind == ErrPINLocked) {
		ti, ierr := t.refreshInfo()
		return pinError(pe, ti.Flags, ierr == nil)
	}
	return mapped
}
