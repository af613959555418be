package pkcs11

import (
	"unsafe"

	p11 "github.com/miekg/pkcs11"
)

// backend is the narrow slice of PKCS#11 this package uses. The real one
// wraps a miekg/pkcs11 context; unit tests put a fake in its place.
// Implementations return p11.Error values for CKR_* failures.
type backend interface {
	Initialize() error
	Finalize() error
	Destroy()
	GetInfo() (p11.Info, error)
	GetSlotList(tokenPresent bool) ([]uint, error)
	GetSlotInfo(slot uint) (p11.SlotInfo, error)
	GetTokenInfo(slot uint) (p11.TokenInfo, error)
	GetMechanismList(slot uint) ([]*p11.Mechanism, error)
	OpenSession(slot uint, flags uint) (p11.SessionHandle, error)
	CloseSession(sh p11.SessionHandle) error
	// Login passes pin to C_Login without keeping it; an empty pin is a
	// NULL pointer (protected authentication path).
	Login(sh p11.SessionHandle, userType uint, pin []byte) error
	Logout(sh p11.SessionHandle) error
	GetSessionInfo(sh p11.SessionHandle) (p11.SessionInfo, error)
	FindObjectsInit(sh p11.SessionHandle, temp []*p11.Attribute) error
	FindObjects(sh p11.SessionHandle, max int) ([]p11.ObjectHandle, bool, error)
	FindObjectsFinal(sh p11.SessionHandle) error
	GetAttributeValue(sh p11.SessionHandle, o p11.ObjectHandle, a []*p11.Attribute) ([]*p11.Attribute, error)
	SignInit(sh p11.SessionHandle, m []*p11.Mechanism, o p11.ObjectHandle) error
	Sign(sh p11.SessionHandle, message []byte) ([]byte, error)
	// CreateObject is C_CreateObject. The attribute values may hold a
	// private key: the caller wipes them after the call, and so does a
	// module host with its copies.
	CreateObject(sh p11.SessionHandle, temp []*p11.Attribute) (p11.ObjectHandle, error)
	DestroyObject(sh p11.SessionHandle, o p11.ObjectHandle) error
	// WaitForSlotEvent is C_WaitForSlotEvent; a module without it returns
	// CKR_FUNCTION_NOT_SUPPORTED. A blocking call returns when an event
	// comes or when the module is finalised.
	WaitForSlotEvent(flags uint) (uint, error)
}

// oneShotSigner is a backend that runs C_SignInit and C_Sign in one
// step: a module host answers both in one round trip.
type oneShotSigner interface {
	// SignInitSign returns the signature, or the error of the call that
	// failed and its name ("C_SignInit" or "C_Sign").
	SignInitSign(sh p11.SessionHandle, mech uint, o p11.ObjectHandle, message []byte) ([]byte, string, error)
}

// signInitSign runs C_SignInit with mech (no parameters) and C_Sign over
// message, and names the call that failed.
func signInitSign(be backend, sh p11.SessionHandle, mech uint, o p11.ObjectHandle, message []byte) ([]byte, string, error) {
	if os, ok := be.(oneShotSigner); ok {
		return os.SignInitSign(sh, mech, o, message)
	}
	if err := be.SignInit(sh, []*p11.Mechanism{p11.NewMechanism(mech, nil)}, o); err != nil {
		return nil, "C_SignInit", err
	}
	out, err := be.Sign(sh, message)
	return out, "C_Sign", err
}

// miekgBackend is the real backend: a loaded module.
type miekgBackend struct {
	*p11.Ctx
	waiter *slotWaiter // nil when the module has no C_WaitForSlotEvent
}

// WaitForSlotEvent calls the module's C_WaitForSlotEvent.
func (b miekgBackend) WaitForSlotEvent(flags uint) (uint, error) {
	if b.waiter == nil {
		return 0, p11.Error(p11.CKR_FUNCTION_NOT_SUPPORTED)
	}
	return b.waiter.wait(flags)
}

// Destroy unloads the module.
func (b miekgBackend) Destroy() {
	b.Ctx.Destroy()
	if b.waiter != nil {
		b.waiter.close()
	}
}

func (b miekgBackend) Initialize() error { return b.Ctx.Initialize() }

// Login hands the PIN bytes to miekg/pkcs11 without making a Go string
// copy of them: the string header points at the caller's slice, which the
// caller wipes after the call. (miekg/pkcs11 copies it into C memory for
// the call and frees it.)
func (b miekgBackend) Login(sh p11.SessionHandle, userType uint, pin []byte) error {
	if len(pin) == 0 {
		return b.Ctx.Login(sh, userType, "")
	}
	return b.Ctx.Login(sh, userType, unsafe.String(&pin[0], len(pin)))
}
