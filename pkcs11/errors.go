package pkcs11

import (
	"errors"
	"fmt"

	p11 "github.com/miekg/pkcs11"
)

// Sentinel errors. Every error this package returns for a failed PKCS#11
// call wraps exactly one of them (and the *Error carrying the CKR_* code),
// so callers match with errors.Is and never with the text.
var (
	// ErrModuleLoad: a module could not be loaded or initialised.
	ErrModuleLoad = errors.New("pkcs11: module failed to load")
	// ErrPINIncorrect: the PIN was wrong. The error is also a *PINError
	// that tells how many tries are left when the token says so.
	ErrPINIncorrect = errors.New("pkcs11: PIN incorrect")
	// ErrPINLocked: the user PIN is blocked after too many wrong tries.
	ErrPINLocked = errors.New("pkcs11: PIN locked")
	// ErrPINInvalid: the PIN has characters or a length the token refuses.
	ErrPINInvalid = errors.New("pkcs11: PIN invalid")
	// ErrPINRequired: the token needs a PIN and no PIN callback was given.
	ErrPINRequired = errors.New("pkcs11: PIN required")
	// ErrTokenRemoved: the token was pulled out (or is not present).
	ErrTokenRemoved = errors.New("pkcs11: token removed")
	// ErrCancelled: the user cancelled (on the PIN pad or in the callback).
	ErrCancelled = errors.New("pkcs11: cancelled")
	// ErrDeviceError: the token or its reader failed.
	ErrDeviceError = errors.New("pkcs11: device error")
	// ErrKeyNotFound: no private key for the certificate on the token.
	ErrKeyNotFound = errors.New("pkcs11: key not found")
	// ErrCertificateNotFound: no certificate with the identifier.
	ErrCertificateNotFound = errors.New("pkcs11: certificate not found")
	// ErrMechanismNotSupported: the token cannot sign this way.
	ErrMechanismNotSupported = errors.New("pkcs11: mechanism not supported")
	// ErrInvalidInput: the caller passed something unusable (a digest of
	// the wrong size, unknown options).
	ErrInvalidInput = errors.New("pkcs11: invalid input")
	// ErrTokenFailed: any other PKCS#11 failure (the *Error says which).
	ErrTokenFailed = errors.New("pkcs11: token operation failed")
	// ErrClosed: the Manager was closed.
	ErrClosed = errors.New("pkcs11: closed")
)

// Error is a failed PKCS#11 call: the function, the CKR_* code and the
// sentinel it maps to.
type Error struct {
	Op   string // the PKCS#11 function, e.g. "C_Sign"
	Code uint   // the CKR_* value
	Kind error  // one of the sentinel errors above
}

func (e *Error) Error() string {
	return fmt.Sprintf("%v: %s: %s", e.Kind, e.Op, ckrName(e.Code))
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Kind }

// PINError is a wrong or blocked PIN. TriesLeft is what the token tells
// through its flags: 0 when locked, 1 on the final try, -1 when unknown
// (PKCS#11 has no exact counter; CountLow says that some tries are gone).
type PINError struct {
	TriesLeft int
	CountLow  bool
	Err       *Error
}

func (e *PINError) Error() string {
	switch {
	case e.TriesLeft == 0:
		return "pkcs11: PIN locked"
	case e.TriesLeft == 1:
		return "pkcs11: PIN incorrect, one try left"
	case e.CountLow:
		return "pkcs11: PIN incorrect, few tries left"
	}
	return "pkcs11: PIN incorrect"
}

// Unwrap returns the underlying *Error, which unwraps to ErrPINIncorrect
// or ErrPINLocked.
func (e *PINError) Unwrap() error { return e.Err }

// ckrKinds maps every CKR_* value this package can meet to a sentinel.
// Codes not listed map to ErrTokenFailed.
var ckrKinds = map[uint]error{
	p11.CKR_PIN_INCORRECT:                ErrPINIncorrect,
	p11.CKR_PIN_LOCKED:                   ErrPINLocked,
	p11.CKR_PIN_INVALID:                  ErrPINInvalid,
	p11.CKR_PIN_LEN_RANGE:                ErrPINInvalid,
	p11.CKR_PIN_EXPIRED:                  ErrPINLocked,
	p11.CKR_USER_PIN_NOT_INITIALIZED:     ErrPINLocked,
	p11.CKR_TOKEN_NOT_PRESENT:            ErrTokenRemoved,
	p11.CKR_TOKEN_NOT_RECOGNIZED:         ErrTokenRemoved,
	p11.CKR_DEVICE_REMOVED:               ErrTokenRemoved,
	p11.CKR_SESSION_HANDLE_INVALID:       ErrTokenRemoved,
	p11.CKR_SESSION_CLOSED:               ErrTokenRemoved,
	p11.CKR_SLOT_ID_INVALID:              ErrTokenRemoved,
	p11.CKR_FUNCTION_CANCELED:            ErrCancelled,
	p11.CKR_DEVICE_ERROR:                 ErrDeviceError,
	p11.CKR_DEVICE_MEMORY:                ErrDeviceError,
	p11.CKR_GENERAL_ERROR:                ErrDeviceError,
	p11.CKR_HOST_MEMORY:                  ErrDeviceError,
	p11.CKR_FUNCTION_FAILED:              ErrDeviceError,
	p11.CKR_TOKEN_WRITE_PROTECTED:        ErrDeviceError,
	p11.CKR_KEY_HANDLE_INVALID:           ErrKeyNotFound,
	p11.CKR_OBJECT_HANDLE_INVALID:        ErrKeyNotFound,
	p11.CKR_KEY_TYPE_INCONSISTENT:        ErrMechanismNotSupported,
	p11.CKR_KEY_FUNCTION_NOT_PERMITTED:   ErrMechanismNotSupported,
	p11.CKR_MECHANISM_INVALID:            ErrMechanismNotSupported,
	p11.CKR_MECHANISM_PARAM_INVALID:      ErrMechanismNotSupported,
	p11.CKR_FUNCTION_NOT_SUPPORTED:       ErrMechanismNotSupported,
	p11.CKR_DATA_LEN_RANGE:               ErrInvalidInput,
	p11.CKR_DATA_INVALID:                 ErrInvalidInput,
	p11.CKR_ARGUMENTS_BAD:                ErrInvalidInput,
	p11.CKR_CRYPTOKI_NOT_INITIALIZED:     ErrModuleLoad,
	p11.CKR_CRYPTOKI_ALREADY_INITIALIZED: ErrModuleLoad,
	p11.CKR_CANT_LOCK:                    ErrModuleLoad,
	p11.CKR_NEED_TO_CREATE_THREADS:       ErrModuleLoad,
	p11.CKR_LIBRARY_LOAD_FAILED:          ErrModuleLoad,
}

// ckrName names a CKR_* code.
func ckrName(code uint) string {
	return p11.Error(code).Error()
}

// codeOf extracts the CKR_* value from what miekg/pkcs11 (or a fake)
// returned; ok is false for errors that carry no code.
func codeOf(err error) (uint, bool) {
	var pe p11.Error
	if errors.As(err, &pe) {
		return uint(pe), true
	}
	return 0, false
}

// mapError turns the result of one PKCS#11 call into a typed error; nil
// stays nil. Errors that already carry a sentinel are returned as they are.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	code, ok := codeOf(err)
	if !ok {
		var pe *Error
		if errors.As(err, &pe) || errors.Is(err, ErrModuleFailed) {
			return err
		}
		return fmt.Errorf("%w: %s: %v", ErrTokenFailed, op, err)
	}
	kind, found := ckrKinds[code]
	if !found {
		kind = ErrTokenFailed
	}
	return &Error{Op: op, Code: code, Kind: kind}
}

// isRemoval reports whether err means that the token's sessions are gone.
func isRemoval(err error) bool {
	return errors.Is(err, ErrTokenRemoved)
}

// pinError builds the *PINError of a failed login from the token's flags
// read just after it.
func pinError(e *Error, tokenFlags uint, flagsKnown bool) error {
	pe := &PINError{TriesLeft: -1, Err: e}
	if e.Kind == ErrPINLocked {
		pe.TriesLeft = 0
		return pe
	}
	if flagsKnown {
		switch {
		case tokenFlags&p11.CKF_USER_PIN_LOCKED != 0:
			pe.TriesLeft = 0
			pe.Err = &Error{Op: e.Op, Code: p11.CKR_PIN_LOCKED, Kind: ErrPINLocked}
		case tokenFlags&p11.CKF_USER_PIN_FINAL_TRY != 0:
			pe.TriesLeft = 1
		}
		pe.CountLow = tokenFlags&p11.CKF_USER_PIN_COUNT_LOW != 0
	}
	return pe
}

// ErrModuleArchitecture: the module is built for another processor or
// word size than the program, such as a 32-bit DLL for a 64-bit agent.
// The error also wraps ErrModuleLoad and is an *ArchitectureError.
var ErrModuleArchitecture = errors.New("pkcs11: module built for another architecture")

// ArchitectureError is a module the system refused because it is built
// for another architecture than the program.
type ArchitectureError struct {
	Path    string
	Module  string // e.g. "32-bit (x86)"
	Program string // e.g. "64-bit (x64)"
	Err     error  // the system's error (on Windows ERROR_BAD_EXE_FORMAT)
}

func (e *ArchitectureError) Error() string {
	return fmt.Sprintf("%s module in a %s program: install the vendor's %s module (%v)", e.Module, e.Program, e.Program, e.Err)
}

// Unwrap returns ErrModuleArchitecture and the system's error.
func (e *ArchitectureError) Unwrap() []error { return []error{ErrModuleArchitecture, e.Err} }
