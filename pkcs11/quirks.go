package pkcs11

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	p11 "github.com/miekg/pkcs11"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/streebog"
)

// Quirks is what this package found out about a token's driver where it
// departs from the common reading of PKCS#11, as `zavera doctor` shows it.
// Each field is learnt as the token is used, so a token seen only once
// may not show everything yet; none of them stops the token from working.
type Quirks struct {
	// CombinedOnly: the token signs only with the hash-on-token
	// mechanisms (CKM_GOSTR3410_WITH_GOSTR3411_12_256/512); the signed
	// attributes are sent to it whole instead of their hash.
	CombinedOnly bool `json:"combined_only,omitempty"`
	// StandardOnly: the token offers only the GOST mechanisms PKCS#11
	// itself defines (CKM_GOSTR3410), none of the TC26 vendor range:
	// GOST 2012-256 keys sign, 512-bit keys cannot.
	StandardOnly bool `json:"standard_only,omitempty"`
	// VendorOnly: the token offers GOST signatures only under the TC26
	// vendor-range constants, none of those PKCS#11 itself defines (no
	// CKM_GOSTR3410): GOST 2012-256 keys sign through the combined
	// mechanism (CombinedOnly is set too), 512-bit keys sign a hash.
	VendorOnly bool `json:"vendor_only,omitempty"`
	// CertificatesAfterLogin: the certificates are private objects that
	// the token shows only after the PIN (Manager.Login): seen so (none
	// before the login, some after), or, while not logged in, no
	// certificate shows on a token that wants a login.
	CertificatesAfterLogin bool `json:"certificates_after_login,omitempty"`
	// SharedKeyID: several key pairs share one CKA_ID; keys are told apart
	// by their public key value.
	SharedKeyID bool `json:"shared_key_id,omitempty"`
	// LoginShared: the token was found logged in by someone else (its
	// driver keeps the login across programs): no PIN was asked.
	LoginShared bool `json:"login_shared,omitempty"`
	// PINPad: the PIN is typed on the reader (protected authentication
	// path).
	PINPad bool `json:"pin_pad,omitempty"`
	// NoSlotEvents: the module has no working C_WaitForSlotEvent; tokens
	// coming and going are seen by polling (Options.PollInterval).
	NoSlotEvents bool `json:"no_slot_events,omitempty"`
}

// Any reports whether anything was found.
func (q Quirks) Any() bool { return q != Quirks{} }

// Quirks returns what was found out about the driver of the token with
// the given ID (see Quirks); the zero value for a token not known.
func (m *Manager) Quirks(tokenID string) Quirks {
	m.mu.Lock()
	t := m.tokens[tokenID]
	m.mu.Unlock()
	if t == nil {
		return Quirks{}
	}
	t.mu.Lock()
	q := Quirks{
		CertificatesAfterLogin: t.certsAfterLogin || (t.certsHidden && !t.loggedIn),
		SharedKeyID:            t.sharedKeyID,
		LoginShared:            t.loginShared,
		PINPad:                 t.info.PIN.PINPad,
		CombinedOnly:           t.combinedOnly,
		StandardOnly:           t.standardOnly,
		VendorOnly:             t.vendorOnly,
	}
	t.mu.Unlock()
	t.mod.waitMu.Lock()
	q.NoSlotEvents = t.mod.waitState == waitUnsupported
	t.mod.waitMu.Unlock()
	return q
}

// Login logs the user in to the token with the given ID, asking pin for
// the PIN (or the PIN pad), unless the token is logged in already. It is
// for tokens that show their certificates only after a login
// (Token.CertificatesAfterLogin): the next Certificates lists them. The
// login then lasts as a signature's does.
func (m *Manager) Login(tokenID string, pin PINFunc) error {
	m.mu.Lock()
	t := m.tokens[tokenID]
	m.mu.Unlock()
	if t == nil {
		return fmt.Errorf("%w: token %s", ErrTokenRemoved, tokenID)
	}
	return t.withSession(func(s *session) error { return s.login(pin) })
}

// noteCertificates records what a listing of the token's certificates
// showed: none without a login on a token that wants one means they may
// be private; some with a login, after none without, means they are.
// The caller holds t.mu.
func (t *token) noteCertificates(n int) {
	t.certsChecked = true
	switch {
	case n == 0 && t.info.PIN.LoginRequired && !t.loggedIn:
		t.certsHidden = true
	case n > 0 && !t.loggedIn:
		t.certsHidden = false
	case n > 0 && t.loggedIn && t.certsHidden:
		t.certsAfterLogin = true
	}
}

// checkCertificates looks, once per token, whether a token that wants a
// login shows no certificate without it (Token.CertificatesAfterLogin),
// so that a token listing tells before the certificates are listed: one
// object search.
func (t *token) checkCertificates() {
	t.mu.Lock()
	done := t.certsChecked || !t.info.PIN.LoginRequired || t.loggedIn
	t.mu.Unlock()
	if done {
		return
	}
	t.withSession(func(s *session) error {
		hs, err := s.findAll(certTemplate())
		if err == nil {
			t.noteCertificates(len(hs))
		}
		return err
	})
}

// noteMechanisms records a token that lacks the raw GOST mechanism but
// has the combined one, one that has the standard raw mechanism alone,
// and one that has GOST only in the vendor range. The caller holds t.mu.
func (t *token) noteMechanisms(m map[uint]bool) {
	if m == nil {
		return
	}
	if (!m[ckmGOSTR3410] && m[ckmGOSTR3410With256]) || (!m[ckmGOSTR3410_512] && m[ckmGOSTR3410With512]) {
		t.combinedOnly = true
	}
	if m[ckmGOSTR3410] && !m[ckmGOSTR3410_512] && !m[ckmGOSTR3410With256] && !m[ckmGOSTR3410With512] {
		t.standardOnly = true
	}
	standard := m[p11.CKM_GOSTR3410_KEY_PAIR_GEN] || m[ckmGOSTR3410] || m[p11.CKM_GOSTR3410_WITH_GOSTR3411]
	if !standard && (m[ckmGOSTR3410_512] || m[ckmGOSTR3410With256] || m[ckmGOSTR3410With512]) {
		t.vendorOnly = true
	}
}

// keyProbe tells whether the private key object h is the one of pub, by
// signing a random message with it and verifying the signature: the last
// resort when several keys share a CKA_ID and label and the private key
// objects do not hold the public value. The session is logged in.
type keyProbe func(s *session, h p11.ObjectHandle) bool

// probeKey is the keyProbe for pub: GOST (the raw mechanism or, on
// tokens without it, the combined one) and ECDSA keys.
func probeKey(pub crypto.PublicKey) keyProbe {
	return func(s *session, h p11.ObjectHandle) bool {
		msg := make([]byte, 32)
		if _, err := rand.Read(msg); err != nil {
			return false
		}
		mechs := s.t.mechanisms()
		has := func(m uint) bool { return mechs == nil || mechs[m] }
		switch pub := pub.(type) {
		case *gost.PublicKey:
			var digest []byte
			raw, combined := uint(ckmGOSTR3410), uint(ckmGOSTR3410With256)
			if pub.Curve().Size() == 64 {
				d := streebog.Sum512(msg)
				digest, raw, combined = d[:], ckmGOSTR3410_512, ckmGOSTR3410With512
			} else {
				d := streebog.Sum256(msg)
				digest = d[:]
			}
			mech, in := raw, digest
			if !has(raw) && has(combined) {
				mech, in = combined, msg
			}
			sig, _, err := signInitSign(s.be, s.h, mech, h, in)
			return err == nil && pub.Verify(digest, sig) == nil
		case *ecdsa.PublicKey:
			d := sha256.Sum256(msg)
			raw, _, err := signInitSign(s.be, s.h, p11.CKM_ECDSA, h, d[:])
			if err != nil {
				return false
			}
			der, err := ecdsaASN1(raw, (pub.Curve.Params().BitSize+7)/8)
			return err == nil && ecdsa.VerifyASN1(pub, d[:], der)
		}
		return false
	}
}

// Inspect looks at the token with the given ID for the departures Quirks
// lists, without logging in, and returns them with what was learnt
// before: its mechanisms, whether its certificates hide before a login,
// key objects sharing a CKA_ID, a login held by someone else, the PIN
// pad, and whether its module reports slot events. `zavera doctor` calls
// it; it costs a few calls and a non-blocking C_WaitForSlotEvent.
func (m *Manager) Inspect(tokenID string) (Quirks, error) {
	m.mu.Lock()
	t := m.tokens[tokenID]
	m.mu.Unlock()
	if t == nil {
		return Quirks{}, fmt.Errorf("%w: token %s", ErrTokenRemoved, tokenID)
	}
	err := t.withSession(func(s *session) error {
		t.mechanisms()
		if si, err := s.be.GetSessionInfo(s.h); err == nil && !t.loggedIn &&
			(si.State == p11.CKS_RO_USER_FUNCTIONS || si.State == p11.CKS_RW_USER_FUNCTIONS) {
			t.loginShared = true
		}
		certs, err := s.findAll(certTemplate())
		if err != nil {
			return err
		}
		t.noteCertificates(len(certs))
		for _, class := range []uint{p11.CKO_PUBLIC_KEY, p11.CKO_PRIVATE_KEY} {
			hs, err := s.findAll([]*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, class)})
			if err != nil {
				return err
			}
			seen := map[string]bool{}
			for _, h := range hs {
				a, err := s.attrs(h, p11.CKA_ID)
				if err != nil {
					return err
				}
				id := string(a[p11.CKA_ID])
				if id != "" && seen[id] {
					t.sharedKeyID = true
				}
				seen[id] = true
			}
		}
		return nil
	})
	t.mod.hasSlotEvents()
	return m.Quirks(tokenID), err
}

// hasSlotEvents asks the module once, without blocking, whether it
// implements C_WaitForSlotEvent, as watch does, and records the answer.
func (m *module) hasSlotEvents() bool {
	m.waitMu.Lock()
	defer m.waitMu.Unlock()
	switch m.waitState {
	case waitUnsupported:
		return false
	case waitRunning:
		return true
	}
	_, err := m.be.WaitForSlotEvent(p11.CKF_DONT_BLOCK)
	if code, ok := codeOf(err); err != nil && (!ok || code != p11.CKR_NO_EVENT) {
		m.waitState = waitUnsupported
		return false
	}
	return true
}
