package pkcs11

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	p11 "github.com/miekg/pkcs11"
)

// Token describes a token in a slot as the module reports it.
type Token struct {
	// ID identifies the token across slots and restarts: a hash of the
	// module path, manufacturer, model, serial and label.
	ID              string   `json:"id"`
	Module          string   `json:"module"`
	Slot            uint     `json:"slot"`
	SlotDescription string   `json:"slot_description,omitempty"`
	Label           string   `json:"label"`
	Manufacturer    string   `json:"manufacturer"`
	Model           string   `json:"model"`
	Serial          string   `json:"serial"`
	PIN             PINState `json:"pin"`
	// CertificatesAfterLogin: the last listing found no certificate on a
	// token that wants a login and is not logged in; its certificates may
	// be private objects, shown only after Manager.Login ("log in to see
	// the certificates").
	CertificatesAfterLogin bool `json:"certificates_after_login,omitempty"`
}

// PINState is the state of the token's user PIN from its flags.
type PINState struct {
	LoginRequired bool `json:"login_required"`
	Initialized   bool `json:"initialized"`
	CountLow      bool `json:"count_low"`
	FinalTry      bool `json:"final_try"`
	Locked        bool `json:"locked"`
	// PINPad: the token has a protected authentication path; the PIN is
	// typed on the reader, never given to the program.
	PINPad bool `json:"pin_pad"`
}

func pinState(flags uint) PINState {
	return PINState{
		LoginRequired: flags&p11.CKF_LOGIN_REQUIRED != 0,
		Initialized:   flags&p11.CKF_USER_PIN_INITIALIZED != 0,
		CountLow:      flags&p11.CKF_USER_PIN_COUNT_LOW != 0,
		FinalTry:      flags&p11.CKF_USER_PIN_FINAL_TRY != 0,
		Locked:        flags&p11.CKF_USER_PIN_LOCKED != 0,
		PINPad:        flags&p11.CKF_PROTECTED_AUTHENTICATION_PATH != 0,
	}
}

func tokenID(modPath string, ti p11.TokenInfo) string {
	h := sha256.New()
	for _, s := range []string{modPath, ti.ManufacturerID, ti.Model, ti.SerialNumber, ti.Label} {
		h.Write([]byte(strings.TrimSpace(s)))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func makeToken(modPath string, slot uint, si p11.SlotInfo, ti p11.TokenInfo) Token {
	trim := func(s string) string { return strings.TrimRight(s, " \x00") }
	return Token{
		ID:              tokenID(modPath, ti),
		Module:          modPath,
		Slot:            slot,
		SlotDescription: trim(si.SlotDescription),
		Label:           trim(ti.Label),
		Manufacturer:    trim(ti.ManufacturerID),
		Model:           trim(ti.Model),
		Serial:          trim(ti.SerialNumber),
		PIN:             pinState(ti.Flags),
	}
}

// token is the live state of one token: its single session, the login,
// and the object handles found through it. mu serialises every call made
// on the token; it is held for the whole of an operation, PIN prompt
// included.
type token struct {
	mod  *module
	idle time.Duration

	mu      sync.Mutex
	info    Token
	present bool
	// closed is set by Manager.Close: the module may be unloaded, nothing
	// may call into it any more.
	closed  bool
	sess    p11.SessionHandle
	hasSess bool
	// modGen is the module's host generation the session belongs to.
	modGen uint64
	// loggedIn is true after a successful C_Login as the user.
	loggedIn bool
	// gen counts session resets; object handles cached with an older
	// generation are stale.
	gen   uint64
	mechs map[uint]bool // nil until read
	timer *time.Timer
	// certIDs is the sorted list of certificate identifiers last seen, for
	// change events; certHandles the certificate objects they came from
	// ("" before the first listing).
	certIDs     string
	certHandles string
	// epoch changes (under mu) whenever what Key.WillAskPIN depends on
	// may have: the session, the login, the PIN flags, a key's handle.
	// Keys cache their answer for an epoch, so that asking does not wait
	// for a signature in progress.
	epoch atomic.Uint64
	// spare holds idle extra sessions for signing (see Key.signParallel),
	// valid for the current gen; extra counts the extra sessions open,
	// idle or in use; signing counts signatures running outside mu,
	// which Close waits for before the module goes.
	spare     []p11.SessionHandle
	extra     int
	signing   sync.WaitGroup
	spareFree *sync.Cond // on mu: an extra session came back, or the state changed

	// What was learnt about the driver (see Quirks); kept across
	// sessions and re-insertions. certsHidden: the last listing without
	// a login found no certificate on a token that wants one.
	certsHidden     bool
	certsChecked    bool
	certsAfterLogin bool
	sharedKeyID     bool
	loginShared     bool
	combinedOnly    bool
	standardOnly    bool
	vendorOnly      bool
}

// maxExtraSessions bounds the extra sessions a token signs in, beside its
// own: signatures of one token may then run at the same time.
const maxExtraSessions = 2

// changed records a change of the login state; the caller holds t.mu.
func (t *token) changed() { t.epoch.Add(1) }

// session is what an operation gets inside withSession.
type session struct {
	t  *token
	be backend
	h  p11.SessionHandle
	// fresh is true when the session was opened by this operation.
	fresh bool
}

// reset forgets the session, the login and the cached handles. The
// caller holds t.mu.
func (t *token) reset(closeSession bool) {
	if t.hasSess && closeSession {
		if t.loggedIn {
			t.mod.be.Logout(t.sess)
		}
		t.mod.be.CloseSession(t.sess)
	}
	for _, sh := range t.spare {
		if closeSession {
			t.mod.be.CloseSession(sh)
		}
		t.extra--
	}
	t.spare = nil
	if t.spareFree != nil {
		t.spareFree.Broadcast()
	}
	t.hasSess = false
	t.loggedIn = false
	t.mechs = nil
	t.certHandles = "" // handles are valid within a module session only
	t.gen++
	t.changed()
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}

// dropSession closes the session (which ends the login with it when it
// is the token's last) and forgets the state. The caller holds t.mu.
func (t *token) dropSession() {
	if t.hasSess {
		t.mod.be.CloseSession(t.sess)
	}
	for _, sh := range t.spare {
		t.mod.be.CloseSession(sh)
	}
	t.reset(false)
}

// withSession runs fn with the token's session, opening one when needed.
// Calls on one token are serialised. When fn fails because a session
// opened earlier has become invalid (the token was pulled out and put
// back since), the state is reset and fn runs once more on a new session.
func (t *token) withSession(fn func(s *session) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for attempt := 0; ; attempt++ {
		s, err := t.open()
		if err != nil {
			return err
		}
		err = fn(s)
		if errors.Is(err, ErrModuleFailed) {
			// The module's host is gone with the session and the login:
			// nothing to close.
			t.reset(false)
			return err
		}
		if err != nil && isRemoval(err) {
			// Close the dead session too: some modules keep its memory
			// until told.
			t.dropSession()
			if !s.fresh && attempt == 0 {
				continue
			}
			return err
		}
		t.touch()
		return err
	}
}

// open returns the token's session, opening it when there is none. A
// token marked absent, or whose slot refuses a session, is looked for
// again in the module's slots first: after it is put back (in the same
// slot or another) the next operation finds it without a rescan. The
// caller holds t.mu.
func (t *token) open() (*session, error) {
	if t.closed {
		return nil, ErrClosed
	}
	if t.hasSess {
		return &session{t: t, be: t.mod.be, h: t.sess}, nil
	}
	if !t.present && !t.refind() {
		return nil, &Error{Op: "C_OpenSession", Code: p11.CKR_TOKEN_NOT_PRESENT, Kind: ErrTokenRemoved}
	}
	h, err := t.mod.be.OpenSession(t.info.Slot, p11.CKF_SERIAL_SESSION)
	if err != nil {
		mapped := mapError("C_OpenSession", err)
		if !isRemoval(mapped) || !t.refind() {
			return nil, mapped
		}
		if h, err = t.mod.be.OpenSession(t.info.Slot, p11.CKF_SERIAL_SESSION); err != nil {
			return nil, mapError("C_OpenSession", err)
		}
	}
	t.sess, t.hasSess, t.loggedIn = h, true, false
	t.modGen = t.mod.hostGen()
	t.gen++
	t.changed()
	return &session{t: t, be: t.mod.be, h: h, fresh: true}, nil
}

// refind looks for the token in the module's slots and records where it
// is; false when it is not there. The caller holds t.mu.
func (t *token) refind() bool {
	slots, err := t.mod.be.GetSlotList(true)
	if err != nil {
		return false
	}
	for _, sl := range slots {
		ti, err := t.mod.be.GetTokenInfo(sl)
		if err != nil || tokenID(t.info.Module, ti) != t.info.ID {
			continue
		}
		si, _ := t.mod.be.GetSlotInfo(sl)
		t.reset(false)
		t.info, t.present = makeToken(t.info.Module, sl, si, ti), true
		return true
	}
	t.present = false
	return false
}

// touch restarts the idle timer after an operation. The caller holds t.mu.
func (t *token) touch() {
	if t.idle <= 0 || !t.loggedIn {
		return
	}
	if t.timer != nil {
		t.timer.Stop()
	}
	gen := t.gen
	t.timer = time.AfterFunc(t.idle, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.gen == gen && t.loggedIn && !t.closed {
			t.reset(true)
		}
	})
}

// logout ends the login and closes the token's sessions. It waits for an
// operation in the token's own session to end; a signature running in an
// extra session loses its login and is made again by the ordinary path,
// which asks for the PIN. It reports whether the token was logged in.
func (t *token) logout() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	was := t.loggedIn
	if t.hasSess && !t.loggedIn {
		// The module may hold a login this package lost track of (a
		// signature failed with CKR_USER_NOT_LOGGED_IN in between): end
		// it all the same; CKR_USER_NOT_LOGGED_IN is the usual answer.
		t.mod.be.Logout(t.sess)
	}
	t.reset(true)
	return was
}

// loginState asks the module, in a session of its own closed after,
// whether the token has a user (or security officer) login now.
func (t *token) loginState() (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false, ErrClosed
	}
	if !t.present {
		return false, &Error{Op: "C_OpenSession", Code: p11.CKR_TOKEN_NOT_PRESENT, Kind: ErrTokenRemoved}
	}
	h, err := t.mod.be.OpenSession(t.info.Slot, p11.CKF_SERIAL_SESSION)
	if err != nil {
		return false, mapError("C_OpenSession", err)
	}
	defer t.mod.be.CloseSession(h)
	si, err := t.mod.be.GetSessionInfo(h)
	if err != nil {
		return false, mapError("C_GetSessionInfo", err)
	}
	switch si.State {
	case p11.CKS_RO_USER_FUNCTIONS, p11.CKS_RW_USER_FUNCTIONS, p11.CKS_RW_SO_FUNCTIONS:
		return true, nil
	}
	return false, nil
}

// refreshInfo re-reads the token's flags (PIN counters change on every
// login). The caller holds t.mu.
func (t *token) refreshInfo() (p11.TokenInfo, error) {
	ti, err := t.mod.be.GetTokenInfo(t.info.Slot)
	if err != nil {
		return ti, mapError("C_GetTokenInfo", err)
	}
	t.info.PIN = pinState(ti.Flags)
	t.changed()
	return ti, nil
}

// mechanisms returns the set of mechanisms the token offers; nil when
// the module cannot tell. The caller holds t.mu.
func (t *token) mechanisms() map[uint]bool {
	if t.mechs != nil {
		return t.mechs
	}
	list, err := t.mod.be.GetMechanismList(t.info.Slot)
	if err != nil {
		return nil
	}
	t.mechs = make(map[uint]bool, len(list))
	for _, m := range list {
		t.mechs[m.Mechanism] = true
	}
	t.noteMechanisms(t.mechs)
	return t.mechs
}
