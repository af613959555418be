package pkcs11

import (
	"errors"
	"fmt"
	"testing"

	p11 "github.com/miekg/pkcs11"
)

func TestEveryCKRMapsToOneSentinel(t *testing.T) {
	sentinels := []error{ErrModuleLoad, ErrPINIncorrect, ErrPINLocked, ErrPINInvalid, ErrTokenRemoved, ErrCancelled,
		ErrDeviceError, ErrKeyNotFound, ErrMechanismNotSupported, ErrInvalidInput, ErrTokenFailed}
	cases := map[uint]error{
		p11.CKR_PIN_INCORRECT:       ErrPINIncorrect,
		p11.CKR_PIN_LOCKED:          ErrPINLocked,
		p11.CKR_DEVICE_REMOVED:      ErrTokenRemoved,
		p11.CKR_TOKEN_NOT_PRESENT:   ErrTokenRemoved,
		p11.CKR_FUNCTION_CANCELED:   ErrCancelled,
		p11.CKR_DEVICE_ERROR:        ErrDeviceError,
		p11.CKR_KEY_HANDLE_INVALID:  ErrKeyNotFound,
		p11.CKR_MECHANISM_INVALID:   ErrMechanismNotSupported,
		p11.CKR_ATTRIBUTE_SENSITIVE: ErrTokenFailed, // not listed: the catch-all
		0x80001234:                  ErrTokenFailed, // a vendor code
	}
	for code, kind := range ckrKinds {
		cases[code] = kind
	}
	for code, want := range cases {
		err := fmt.Errorf("wrapped: %w", mapError("C_Sign", p11.Error(code)))
		n := 0
		for _, s := range sentinels {
			if errors.Is(err, s) {
				n++
			}
		}
		if !errors.Is(err, want) || n != 1 {
			t.Errorf("%s: %v matches %d sentinels, want only %v", ckrName(code), err, n, want)
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != code || pe.Op != "C_Sign" {
			t.Errorf("%s: no *Error with the code in %v", ckrName(code), err)
		}
	}
	if mapError("C_Sign", nil) != nil {
		t.Error("nil error mapped to non-nil")
	}
}

func TestPINErrorFromFlags(t *testing.T) {
	inc := &Error{Op: "C_Login", Code: p11.CKR_PIN_INCORRECT, Kind: ErrPINIncorrect}
	for _, tc := range []struct {
		flags uint
		known bool
		tries int
		is    error
	}{
		{0, false, -1, ErrPINIncorrect},
		{p11.CKF_USER_PIN_COUNT_LOW, true, -1, ErrPINIncorrect},
		{p11.CKF_USER_PIN_FINAL_TRY | p11.CKF_USER_PIN_COUNT_LOW, true, 1, ErrPINIncorrect},
		{p11.CKF_USER_PIN_LOCKED, true, 0, ErrPINLocked},
	} {
		err := pinError(inc, tc.flags, tc.known)
		var pe *PINError
		if !errors.As(err, &pe) || pe.TriesLeft != tc.tries || !errors.Is(err, tc.is) {
			t.Errorf("flags %#x: %v (%+v)", tc.flags, err, pe)
		}
	}
}
