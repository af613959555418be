package pkcs11

import (
	"errors"

	p11 "github.com/miekg/pkcs11"
)

// signParallel signs in one of the token's extra sessions, without the
// token's mutex, when nothing but C_SignInit and C_Sign is needed: the
// token's session is open and logged in, the key's handle is known and
// the key does not ask for the PIN before each signature. Signatures of
// one token then run side by side (a module that cannot do so queues them
// itself); when every extra session is busy, it waits for one. ok is
// false when the ordinary path must sign instead: the conditions do not
// hold (or stop holding while it waits), or the session failed in a way
// that path knows how to handle (a lost login, a removed token, a closed
// session).
func (k *Key) signParallel(mech uint, in []byte) (out []byte, ok bool, err error) {
	t := k.t
	t.mu.Lock()
	var sh p11.SessionHandle
	for {
		if t.closed || !t.present || !t.hasSess || (t.info.PIN.LoginRequired && !t.loggedIn) ||
			!k.found || k.gen != t.gen || k.always || t.modGen != t.mod.hostGen() {
			t.mu.Unlock()
			return nil, false, nil
		}
		if m := t.mechanisms(); m != nil && !m[mech] {
			t.mu.Unlock()
			return nil, false, nil
		}
		if n := len(t.spare); n > 0 {
			sh, t.spare = t.spare[n-1], t.spare[:n-1]
			break
		}
		if t.extra < maxExtraSessions {
			var oerr error
			if sh, oerr = t.mod.be.OpenSession(t.info.Slot, p11.CKF_SERIAL_SESSION); oerr != nil {
				t.mu.Unlock()
				return nil, false, nil
			}
			t.extra++
			break
		}
		t.spareFree.Wait()
	}
	gen, h := t.gen, k.handle
	t.signing.Add(1)
	t.mu.Unlock()

	out, op, err := signInitSign(t.mod.be, sh, mech, h, in)

	t.mu.Lock()
	if errors.Is(err, ErrModuleFailed) && t.gen == gen {
		// The host is gone with every session and the login.
		t.extra--
		t.reset(false)
	} else if err == nil && t.gen == gen && !t.closed {
		t.spare = append(t.spare, sh)
		t.touch()
	} else {
		// A session that failed or outlived its generation is not
		// trusted again (an operation may still be active in it). The
		// module is still loaded: Close waits for this signature.
		t.mod.be.CloseSession(sh)
		t.extra--
	}
	t.spareFree.Signal()
	t.mu.Unlock()
	t.signing.Done()
	if err == nil {
		return out, true, nil
	}
	mapped := mapError(op, err)
	if code, isCode := codeOf(err); isCode && (code == p11.CKR_USER_NOT_LOGGED_IN || code == p11.CKR_SESSION_HANDLE_INVALID ||
		code == p11.CKR_SESSION_CLOSED || code == p11.CKR_KEY_HANDLE_INVALID) || isRemoval(mapped) {
		return nil, false, nil
	}
	return nil, true, mapped
}
