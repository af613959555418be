package pkcs11

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	p11 "github.com/miekg/pkcs11"
)

// fakeModule is an in-memory PKCS#11 module behind the backend interface.
// It fails a test that uses one session from two goroutines at once.
type fakeModule struct {
	t  *testing.T
	mu sync.Mutex

	tokens   []*fakeToken
	sessions map[p11.SessionHandle]*fakeSession
	next     p11.SessionHandle
	// finalized counts C_Finalize calls.
	finalized int
	// noMechList makes C_GetMechanismList fail.
	noMechList bool
}

type fakeToken struct {
	label, serial string
	present       bool
	gen           int // bumped on insertion: old sessions die
	pin           string
	tries, max    int
	pinpad        string // "", "confirm", "cancel"
	loggedIn      bool
	objects       []*fakeObject
	mechs         []uint
	// sign computes a signature; nil means CKR_FUNCTION_FAILED.
	sign     func(mech uint, key *fakeObject, data []byte) ([]byte, error)
	failNext p11.Error // returned by the next C_Sign, then cleared
	signs    []uint    // mechanisms used, in order
	logins   []uint    // user types of successful logins
}

type fakeObject struct {
	handle p11.ObjectHandle
	attrs  map[uint][]byte
}

type fakeSession struct {
	slot    int
	gen     int
	inUse   atomic.Bool
	found   []p11.ObjectHandle
	signKey *fakeObject
	mech    uint
	ctxOK   bool // context-specific login done for this operation
}

func newFakeModule(t *testing.T, tokens ...*fakeToken) *fakeModule {
	for _, tok := range tokens {
		if tok.max == 0 {
			tok.max = 3
		}
		if tok.tries == 0 {
			tok.tries = tok.max
		}
		for i, o := range tok.objects {
			o.handle = p11.ObjectHandle(100 + i)
		}
	}
	return &fakeModule{t: t, tokens: tokens, sessions: map[p11.SessionHandle]*fakeSession{}, next: 1}
}

// ulong encodes a CK_ULONG as the module's side has it: 8 bytes on Linux,
// 4 on Windows (where C's unsigned long is 32-bit).
func ulong(v uint) []byte {
	return p11.NewAttribute(p11.CKA_CLASS, v).Value
}

func obj(class uint, kv ...any) *fakeObject {
	o := &fakeObject{attrs: map[uint][]byte{p11.CKA_CLASS: ulong(class)}}
	for i := 0; i < len(kv); i += 2 {
		var typ uint
		switch v := kv[i].(type) {
		case int:
			typ = uint(v)
		case uint:
			typ = v
		}
		a := p11.NewAttribute(typ, kv[i+1])
		o.attrs[a.Type] = a.Value
	}
	return o
}

func (f *fakeModule) token(slot uint) (*fakeToken, error) {
	if int(slot) >= len(f.tokens) {
		return nil, p11.Error(p11.CKR_SLOT_ID_INVALID)
	}
	tok := f.tokens[slot]
	if !tok.present {
		return nil, p11.Error(p11.CKR_TOKEN_NOT_PRESENT)
	}
	return tok, nil
}

// enter checks the session and marks it busy; the returned func frees it.
func (f *fakeModule) enter(sh p11.SessionHandle) (*fakeSession, *fakeToken, func(), error) {
	s, ok := f.sessions[sh]
	if !ok {
		return nil, nil, nil, p11.Error(p11.CKR_SESSION_HANDLE_INVALID)
	}
	if !s.inUse.CompareAndSwap(false, true) {
		f.t.Errorf("session %d used by two goroutines at once", sh)
	}
	tok := f.tokens[s.slot]
	if !tok.present {
		s.inUse.Store(false)
		return nil, nil, nil, p11.Error(p11.CKR_DEVICE_REMOVED)
	}
	if tok.gen != s.gen {
		s.inUse.Store(false)
		delete(f.sessions, sh)
		return nil, nil, nil, p11.Error(p11.CKR_SESSION_HANDLE_INVALID)
	}
	return s, tok, func() { s.inUse.Store(false) }, nil
}

// pull takes the token out; insert puts it back.
func (f *fakeModule) pull(i int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[i].present = false
	f.tokens[i].loggedIn = false
}

func (f *fakeModule) insert(i int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[i].present = true
	f.tokens[i].gen++
}

func (f *fakeModule) Initialize() error { return nil }
func (f *fakeModule) Finalize() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finalized++
	return nil
}
func (f *fakeModule) Destroy() {}
func (f *fakeModule) GetInfo() (p11.Info, error) {
	return p11.Info{ManufacturerID: "Fake", LibraryDescription: "fake module", LibraryVersion: p11.Version{Major: 1, Minor: 2}}, nil
}

func (f *fakeModule) WaitForSlotEvent(flags uint) (uint, error) {
	return 0, p11.Error(p11.CKR_FUNCTION_NOT_SUPPORTED)
}

func (f *fakeModule) GetSlotList(present bool) ([]uint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.finalized > 0 {
		f.t.Error("C_GetSlotList after C_Finalize")
	}
	var out []uint
	for i, tok := range f.tokens {
		if tok.present || !present {
			out = append(out, uint(i))
		}
	}
	return out, nil
}

func (f *fakeModule) GetSlotInfo(slot uint) (p11.SlotInfo, error) {
	return p11.SlotInfo{SlotDescription: fmt.Sprintf("fake slot %d", slot)}, nil
}

func (f *fakeModule) GetTokenInfo(slot uint) (p11.TokenInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tok, err := f.token(slot)
	if err != nil {
		return p11.TokenInfo{}, err
	}
	flags := uint(p11.CKF_TOKEN_INITIALIZED | p11.CKF_USER_PIN_INITIALIZED | p11.CKF_LOGIN_REQUIRED)
	switch {
	case tok.tries == 0:
		flags |= p11.CKF_USER_PIN_LOCKED
	case tok.tries == 1:
		flags |= p11.CKF_USER_PIN_FINAL_TRY
	}
	if tok.tries < tok.max {
		flags |= p11.CKF_USER_PIN_COUNT_LOW
	}
	if tok.pinpad != "" {
		flags |= p11.CKF_PROTECTED_AUTHENTICATION_PATH
	}
	return p11.TokenInfo{Label: tok.label, ManufacturerID: "Fake", Model: "F1", SerialNumber: tok.serial, Flags: flags}, nil
}

func (f *fakeModule) GetMechanismList(slot uint) ([]*p11.Mechanism, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noMechList {
		return nil, p11.Error(p11.CKR_FUNCTION_NOT_SUPPORTED)
	}
	tok, err := f.token(slot)
	if err != nil {
		return nil, err
	}
	var out []*p11.Mechanism
	for _, m := range tok.mechs {
		out = append(out, p11.NewMechanism(m, nil))
	}
	return out, nil
}

func (f *fakeModule) OpenSession(slot uint, flags uint) (p11.SessionHandle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.finalized > 0 {
		f.t.Error("C_OpenSession after C_Finalize")
	}
	tok, err := f.token(slot)
	if err != nil {
		return 0, err
	}
	h := f.next
	f.next++
	f.sessions[h] = &fakeSession{slot: int(slot), gen: tok.gen}
	return h, nil
}

func (f *fakeModule) CloseSession(sh p11.SessionHandle) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[sh]
	if !ok {
		return p11.Error(p11.CKR_SESSION_HANDLE_INVALID)
	}
	delete(f.sessions, sh)
	for _, o := range f.sessions {
		if o.slot == s.slot {
			return nil
		}
	}
	// Closing the last session of a token logs it out (PKCS#11 v2.40
	// section 5.6, C_CloseSession).
	f.tokens[s.slot].loggedIn = false
	return nil
}

func (f *fakeModule) Login(sh p11.SessionHandle, userType uint, pin []byte) error {
	f.mu.Lock()
	s, tok, done, err := f.enter(sh)
	if err != nil {
		f.mu.Unlock()
		return err
	}
	defer done()
	defer f.mu.Unlock()
	if userType == p11.CKU_USER && tok.loggedIn {
		return p11.Error(p11.CKR_USER_ALREADY_LOGGED_IN)
	}
	if tok.tries == 0 {
		return p11.Error(p11.CKR_PIN_LOCKED)
	}
	if pin == nil {
		switch tok.pinpad {
		case "confirm":
			pin = []byte(tok.pin)
		case "cancel":
			return p11.Error(p11.CKR_FUNCTION_CANCELED)
		default:
			return p11.Error(p11.CKR_ARGUMENTS_BAD)
		}
	}
	if string(pin) != tok.pin {
		tok.tries--
		if tok.tries == 0 {
			return p11.Error(p11.CKR_PIN_LOCKED)
		}
		return p11.Error(p11.CKR_PIN_INCORRECT)
	}
	tok.tries = tok.max
	if userType == p11.CKU_CONTEXT_SPECIFIC {
		if s.signKey == nil {
			return p11.Error(p11.CKR_OPERATION_NOT_INITIALIZED)
		}
		s.ctxOK = true
	} else {
		tok.loggedIn = true
	}
	tok.logins = append(tok.logins, userType)
	return nil
}

func (f *fakeModule) Logout(sh p11.SessionHandle) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, tok, done, err := f.enter(sh)
	if err != nil {
		return err
	}
	defer done()
	tok.loggedIn = false
	return nil
}

func (f *fakeModule) GetSessionInfo(sh p11.SessionHandle) (p11.SessionInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, tok, done, err := f.enter(sh)
	if err != nil {
		return p11.SessionInfo{}, err
	}
	defer done()
	si := p11.SessionInfo{SlotID: uint(s.slot), State: p11.CKS_RO_PUBLIC_SESSION, Flags: p11.CKF_SERIAL_SESSION}
	if tok.loggedIn {
		si.State = p11.CKS_RO_USER_FUNCTIONS
	}
	return si, nil
}

func (tok *fakeToken) visible(o *fakeObject) bool {
	return tok.loggedIn || !bytes.Equal(o.attrs[p11.CKA_CLASS], ulong(p11.CKO_PRIVATE_KEY))
}

func (f *fakeModule) FindObjectsInit(sh p11.SessionHandle, tmpl []*p11.Attribute) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, tok, done, err := f.enter(sh)
	if err != nil {
		return err
	}
	defer done()
	s.found = nil
next:
	for _, o := range tok.objects {
		if !tok.visible(o) {
			continue
		}
		for _, a := range tmpl {
			if !bytes.Equal(o.attrs[a.Type], a.Value) {
				continue next
			}
		}
		s.found = append(s.found, o.handle)
	}
	return nil
}

func (f *fakeModule) FindObjects(sh p11.SessionHandle, max int) ([]p11.ObjectHandle, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, _, done, err := f.enter(sh)
	if err != nil {
		return nil, false, err
	}
	defer done()
	n := min(max, len(s.found))
	out := s.found[:n]
	s.found = s.found[n:]
	return out, false, nil
}

func (f *fakeModule) FindObjectsFinal(sh p11.SessionHandle) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, _, done, err := f.enter(sh)
	if err != nil {
		return err
	}
	done()
	return nil
}

func (tok *fakeToken) object(h p11.ObjectHandle) *fakeObject {
	for _, o := range tok.objects {
		if o.handle == h && tok.visible(o) {
			return o
		}
	}
	return nil
}

func (f *fakeModule) GetAttributeValue(sh p11.SessionHandle, h p11.ObjectHandle, a []*p11.Attribute) ([]*p11.Attribute, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, tok, done, err := f.enter(sh)
	if err != nil {
		return nil, err
	}
	defer done()
	o := tok.object(h)
	if o == nil {
		return nil, p11.Error(p11.CKR_OBJECT_HANDLE_INVALID)
	}
	var out []*p11.Attribute
	for _, x := range a {
		v, ok := o.attrs[x.Type]
		if !ok {
			return nil, p11.Error(p11.CKR_ATTRIBUTE_TYPE_INVALID)
		}
		out = append(out, &p11.Attribute{Type: x.Type, Value: append([]byte(nil), v...)})
	}
	return out, nil
}

func (f *fakeModule) SignInit(sh p11.SessionHandle, m []*p11.Mechanism, h p11.ObjectHandle) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, tok, done, err := f.enter(sh)
	if err != nil {
		return err
	}
	defer done()
	if !tok.loggedIn {
		return p11.Error(p11.CKR_USER_NOT_LOGGED_IN)
	}
	o := tok.object(h)
	if o == nil {
		return p11.Error(p11.CKR_KEY_HANDLE_INVALID)
	}
	supported := false
	for _, x := range tok.mechs {
		supported = supported || x == m[0].Mechanism
	}
	if !supported {
		return p11.Error(p11.CKR_MECHANISM_INVALID)
	}
	if s.signKey != nil {
		return p11.Error(p11.CKR_OPERATION_ACTIVE)
	}
	s.signKey, s.mech, s.ctxOK = o, m[0].Mechanism, false
	return nil
}

func (f *fakeModule) Sign(sh p11.SessionHandle, data []byte) ([]byte, error) {
	f.mu.Lock()
	s, tok, done, err := f.enter(sh)
	if err != nil {
		f.mu.Unlock()
		return nil, err
	}
	defer done()
	key, mech := s.signKey, s.mech
	s.signKey = nil
	if key == nil {
		f.mu.Unlock()
		return nil, p11.Error(p11.CKR_OPERATION_NOT_INITIALIZED)
	}
	if boolAttr(key.attrs[p11.CKA_ALWAYS_AUTHENTICATE]) && !s.ctxOK {
		f.mu.Unlock()
		return nil, p11.Error(p11.CKR_USER_NOT_LOGGED_IN)
	}
	if e := tok.failNext; e != 0 {
		tok.failNext = 0
		f.mu.Unlock()
		return nil, e
	}
	tok.signs = append(tok.signs, mech)
	sign := tok.sign
	f.mu.Unlock()
	if sign == nil {
		return nil, p11.Error(p11.CKR_FUNCTION_FAILED)
	}
	return sign(mech, key, data)
}

// fakeManager opens a Manager whose only module is f.
func fakeManager(t *testing.T, f *fakeModule, opts Options) *Manager {
	t.Helper()
	opts.Modules = []string{fmt.Sprintf("/fake/%s-%d.so", t.Name(), fakeCount.Add(1))}
	opts.NoDiscovery, opts.NoEnvironment = true, true
	opts.load = func(path string) (backend, error) { return f, nil }
	m, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Modules()[0].Err; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

var fakeCount atomic.Int64

func (f *fakeModule) CreateObject(sh p11.SessionHandle, temp []*p11.Attribute) (p11.ObjectHandle, error) {
	return 0, p11.Error(p11.CKR_FUNCTION_NOT_SUPPORTED)
}

func (f *fakeModule) DestroyObject(sh p11.SessionHandle, o p11.ObjectHandle) error {
	return p11.Error(p11.CKR_FUNCTION_NOT_SUPPORTED)
}
