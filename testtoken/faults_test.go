package testtoken_test

import (
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/miekg/pkcs11"
)

// signer sets up an initialised token in slot 0 with a logged-in session
// and a 256-bit key.
func signer(t *testing.T, conf string) (*token, pkcs11.SessionHandle, keyPair) {
	t.Helper()
	tk := newToken(t, conf)
	tk.initToken(0, "signer")
	s := tk.login(0)
	return tk, s, tk.generate(s, 256, paramsTC26A256, "k", "k")
}

func TestTokenRemovalAndReinsertion(t *testing.T) {
	tk, s, kp := signer(t, "slot leader\nslot accountant\n")
	hash := make([]byte, 32)

	tk.control("leader.present = 0")
	slots, err := tk.p.GetSlotList(true)
	if err != nil || !slices.Equal(slots, []uint{1}) {
		t.Fatalf("slots with a token after removal: %v, %v; want [1]", slots, err)
	}
	if all, _ := tk.p.GetSlotList(false); len(all) != 2 {
		t.Errorf("all slots after removal: %v", all)
	}
	si, err := tk.p.GetSlotInfo(0)
	if err != nil || si.Flags&pkcs11.CKF_TOKEN_PRESENT != 0 {
		t.Errorf("slot info after removal: %+v, %v", si, err)
	}
	_, err = tk.p.GetTokenInfo(0)
	wantCKR(t, "C_GetTokenInfo of an empty slot", err, pkcs11.CKR_TOKEN_NOT_PRESENT)
	_, err = tk.sign(s, pkcs11.CKM_GOSTR3410, kp.priv, hash)
	wantCKR(t, "signing on a pulled-out token", err, pkcs11.CKR_DEVICE_REMOVED)
	_, err = tk.p.GetSessionInfo(s)
	wantCKR(t, "C_GetSessionInfo on a pulled-out token", err, pkcs11.CKR_DEVICE_REMOVED)
	_, err = tk.p.OpenSession(0, pkcs11.CKF_SERIAL_SESSION)
	wantCKR(t, "C_OpenSession on an empty slot", err, pkcs11.CKR_TOKEN_NOT_PRESENT)
	// The other slot is untouched.
	if _, err := tk.p.GetTokenInfo(1); err != nil {
		t.Errorf("the other slot: %v", err)
	}

	tk.control("leader.present = 1")
	_, err = tk.p.GetSessionInfo(s)
	wantCKR(t, "an old session after reinsertion", err, pkcs11.CKR_SESSION_HANDLE_INVALID)
	_, err = tk.sign(s, pkcs11.CKM_GOSTR3410, kp.priv, hash)
	wantCKR(t, "signing on an old session after reinsertion", err, pkcs11.CKR_SESSION_HANDLE_INVALID)

	// The token was logged out; its keys are still there.
	s2 := tk.session(0)
	if got := tk.find(s2, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY)); len(got) != 0 {
		t.Errorf("private keys visible without a new login: %v", got)
	}
	if err := tk.p.Login(s2, pkcs11.CKU_USER, userPIN); err != nil {
		t.Fatal(err)
	}
	keys := tk.find(s2, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY))
	if len(keys) != 1 {
		t.Fatalf("private keys after reinsertion: %v", keys)
	}
	if _, err := tk.sign(s2, pkcs11.CKM_GOSTR3410, keys[0], hash); err != nil {
		t.Fatalf("signing after reinsertion: %v", err)
	}
}

func TestDeviceErrorOnNthSignature(t *testing.T) {
	tk, s, kp := signer(t, "")
	tk.control("fail_sign = 3")
	hash := make([]byte, 32)
	rand.Read(hash)
	for i := 1; i <= 5; i++ {
		_, err := tk.sign(s, pkcs11.CKM_GOSTR3410, kp.priv, hash)
		if i == 3 {
			wantCKR(t, "signature 3", err, pkcs11.CKR_DEVICE_ERROR)
		} else if err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
	}
	// The operation ended with the error: a new one starts cleanly, and a
	// rewritten control file starts counting again.
	tk.control("fail_sign = 1")
	_, err := tk.sign(s, pkcs11.CKM_GOSTR3410, kp.priv, hash)
	wantCKR(t, "first signature after the change", err, pkcs11.CKR_DEVICE_ERROR)
	if _, err := tk.sign(s, pkcs11.CKM_GOSTR3410, kp.priv, hash); err != nil {
		t.Fatalf("second signature after the change: %v", err)
	}
}

func TestPINCounterDownToLock(t *testing.T) {
	tk := newToken(t, "user_pin_tries 3\n")
	tk.initToken(0, "signer")
	s := tk.session(0)
	flags := func() uint {
		t.Helper()
		ti, err := tk.p.GetTokenInfo(0)
		if err != nil {
			t.Fatal(err)
		}
		return ti.Flags & (pkcs11.CKF_USER_PIN_COUNT_LOW | pkcs11.CKF_USER_PIN_FINAL_TRY | pkcs11.CKF_USER_PIN_LOCKED)
	}
	if f := flags(); f != 0 {
		t.Fatalf("fresh PIN flags %#x", f)
	}

	wantCKR(t, "wrong PIN 1", tk.p.Login(s, pkcs11.CKU_USER, "0000"), pkcs11.CKR_PIN_INCORRECT)
	if f := flags(); f != pkcs11.CKF_USER_PIN_COUNT_LOW {
		t.Fatalf("flags after one wrong PIN %#x, want COUNT_LOW", f)
	}
	// A right PIN restores the tries.
	if err := tk.p.Login(s, pkcs11.CKU_USER, userPIN); err != nil {
		t.Fatal(err)
	}
	if f := flags(); f != 0 {
		t.Fatalf("flags after a right PIN %#x", f)
	}
	if err := tk.p.Logout(s); err != nil {
		t.Fatal(err)
	}

	wantCKR(t, "wrong PIN 1", tk.p.Login(s, pkcs11.CKU_USER, "0000"), pkcs11.CKR_PIN_INCORRECT)
	// The counter survives a restart, as on a real token.
	tk.restart()
	s = tk.session(0)
	wantCKR(t, "wrong PIN 2", tk.p.Login(s, pkcs11.CKU_USER, "0000"), pkcs11.CKR_PIN_INCORRECT)
	if f := flags(); f != pkcs11.CKF_USER_PIN_COUNT_LOW|pkcs11.CKF_USER_PIN_FINAL_TRY {
		t.Fatalf("flags with one try left %#x, want COUNT_LOW|FINAL_TRY", f)
	}
	wantCKR(t, "wrong PIN 3", tk.p.Login(s, pkcs11.CKU_USER, "0000"), pkcs11.CKR_PIN_LOCKED)
	if f := flags(); f != pkcs11.CKF_USER_PIN_LOCKED {
		t.Fatalf("flags after the last try %#x, want LOCKED", f)
	}
	wantCKR(t, "right PIN on a locked token", tk.p.Login(s, pkcs11.CKU_USER, userPIN), pkcs11.CKR_PIN_LOCKED)

	// The SO unlocks by setting a new user PIN.
	if err := tk.p.Login(s, pkcs11.CKU_SO, soPIN); err != nil {
		t.Fatal(err)
	}
	if err := tk.p.InitPIN(s, "unlocked-1"); err != nil {
		t.Fatal(err)
	}
	if err := tk.p.Logout(s); err != nil {
		t.Fatal(err)
	}
	if f := flags(); f != 0 {
		t.Fatalf("flags after C_InitPIN %#x", f)
	}
	if err := tk.p.Login(s, pkcs11.CKU_USER, "unlocked-1"); err != nil {
		t.Fatalf("login after unlock: %v", err)
	}
}

func TestSignDelay(t *testing.T) {
	tk, s, kp := signer(t, "")
	const delay = 150 * time.Millisecond
	tk.control(fmt.Sprintf("sign_delay_ms = %d", delay.Milliseconds()))
	hash := make([]byte, 32)
	start := time.Now()
	if _, err := tk.sign(s, pkcs11.CKM_GOSTR3410, kp.priv, hash); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < delay {
		t.Fatalf("signature took %v with a delay of %v", took, delay)
	}

	// A token pulled out while it is busy signing fails the call.
	tk.control("sign_delay_ms = 2000")
	done := make(chan error, 1)
	go func() {
		_, err := tk.sign(s, pkcs11.CKM_GOSTR3410, kp.priv, hash)
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	tk.control("sign_delay_ms = 2000", "present = 0")
	if _, err := tk.p.GetSlotList(true); err != nil { // let the module see the change
		t.Fatal(err)
	}
	wantCKR(t, "signing while the token is pulled out", <-done, pkcs11.CKR_DEVICE_REMOVED)
}

func TestPINPad(t *testing.T) {
	tk := newToken(t, "")
	tk.initToken(0, "pinpad")
	s := tk.session(0)

	tk.control("pinpad = confirm", "pinpad_delay_ms = 20")
	ti, err := tk.p.GetTokenInfo(0)
	if err != nil || ti.Flags&pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH == 0 {
		t.Fatalf("token info with a PIN pad: %+v, %v", ti, err)
	}
	if err := tk.p.Login(s, pkcs11.CKU_USER, ""); err != nil {
		t.Fatalf("confirmed on the PIN pad: %v", err)
	}
	if err := tk.p.Logout(s); err != nil {
		t.Fatal(err)
	}

	tk.control("pinpad = cancel")
	wantCKR(t, "cancelled on the PIN pad", tk.p.Login(s, pkcs11.CKU_USER, ""), pkcs11.CKR_FUNCTION_CANCELED)
	if ti, _ := tk.p.GetTokenInfo(0); ti.Flags&pkcs11.CKF_USER_PIN_COUNT_LOW != 0 {
		t.Error("a cancel took a PIN try")
	}

	tk.control("pinpad = wrong")
	wantCKR(t, "wrong PIN on the PIN pad", tk.p.Login(s, pkcs11.CKU_USER, ""), pkcs11.CKR_PIN_INCORRECT)
	if ti, _ := tk.p.GetTokenInfo(0); ti.Flags&pkcs11.CKF_USER_PIN_COUNT_LOW == 0 {
		t.Error("a wrong PIN on the pad took no try")
	}

	tk.control("pinpad = none")
	if ti, _ := tk.p.GetTokenInfo(0); ti.Flags&pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH != 0 {
		t.Error("PIN pad flag without a PIN pad")
	}
	// miekg/pkcs11 passes a NULL PIN for "": without a PIN pad that is
	// an argument error, not a wrong PIN.
	wantCKR(t, "no PIN without a PIN pad", tk.p.Login(s, pkcs11.CKU_USER, ""), pkcs11.CKR_ARGUMENTS_BAD)
}

func TestSlotEvents(t *testing.T) {
	tk := newToken(t, "slot leader\nslot accountant\n")
	wait := func(flip string, want uint) {
		t.Helper()
		ch := tk.p.WaitForSlotEvent(0)
		tk.control(flip)
		select {
		case ev := <-ch:
			if ev.SlotID != want {
				t.Fatalf("event for slot %d after %q, want %d", ev.SlotID, flip, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no slot event after %q", flip)
		}
	}
	wait("accountant.present = 0", 1)
	wait("accountant.present = 1", 1)
	wait("leader.present = 0\naccountant.present = 1", 0)
	wait("leader.present = 1", 0)
}

func TestConcurrentSessions(t *testing.T) {
	tk := newToken(t, "")
	tk.initToken(0, "busy")
	s := tk.login(0)
	k256 := tk.generate(s, 256, paramsTC26A256, "a", "a")
	k512 := tk.generate(s, 512, paramsTC26A512, "b", "b")

	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One session per worker; the login is the token's, shared.
			ws, err := tk.p.OpenSession(0, pkcs11.CKF_SERIAL_SESSION)
			if err != nil {
				errs <- err
				return
			}
			defer tk.p.CloseSession(ws)
			kp, mech, verify := k256, uint(pkcs11.CKM_GOSTR3410), uint(pkcs11.CKM_GOSTR3410)
			if w%2 == 1 {
				kp, mech, verify = k512, ckmGOSTR3410_512, ckmGOSTR3410_512
			}
			hash := make([]byte, kp.bits/8)
			for i := range rounds {
				rand.Read(hash)
				if err := tk.p.SignInit(ws, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, kp.priv); err != nil {
					errs <- fmt.Errorf("worker %d round %d: C_SignInit: %w", w, i, err)
					return
				}
				sig, err := tk.p.Sign(ws, hash)
				if err != nil {
					errs <- fmt.Errorf("worker %d round %d: C_Sign: %w", w, i, err)
					return
				}
				if err := tk.p.VerifyInit(ws, []*pkcs11.Mechanism{pkcs11.NewMechanism(verify, nil)}, kp.pub); err != nil {
					errs <- err
					return
				}
				if err := tk.p.Verify(ws, hash, sig); err != nil {
					errs <- fmt.Errorf("worker %d round %d: C_Verify: %w", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// One of those signatures, checked by the reference too.
	hash := make([]byte, 64)
	rand.Read(hash)
	sig, err := tk.sign(s, ckmGOSTR3410_512, k512.priv, hash)
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.opensslVerify(s, k512, hash, sig); err != nil {
		t.Fatal(err)
	}
}

func TestReplugBetweenCalls(t *testing.T) {
	tk, s, kp := signer(t, "slot leader\nslot accountant\n")
	ch := tk.p.WaitForSlotEvent(0)
	tk.control("leader.replug = 1")
	_, err := tk.sign(s, pkcs11.CKM_GOSTR3410, kp.priv, make([]byte, 32))
	wantCKR(t, "a session from before the replug", err, pkcs11.CKR_SESSION_HANDLE_INVALID)
	select {
	case ev := <-ch:
		if ev.SlotID != 0 {
			t.Fatalf("event for slot %d, want 0", ev.SlotID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no slot event for the replug")
	}
	if slots, err := tk.p.GetSlotList(true); err != nil || len(slots) != 2 {
		t.Fatalf("slots after the replug: %v, %v", slots, err)
	}
	s2 := tk.login(0)
	if _, err := tk.sign(s2, pkcs11.CKM_GOSTR3410, tk.find(s2, pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY))[0], make([]byte, 32)); err != nil {
		t.Fatalf("signing after the replug: %v", err)
	}
	// The same value again is no replug.
	tk.control("leader.replug = 1", "# unchanged")
	if _, err := tk.p.GetSessionInfo(s2); err != nil {
		t.Fatalf("an unchanged replug value dropped the session: %v", err)
	}
}

func TestSOPINCounter(t *testing.T) {
	tk := newToken(t, "so_pin_tries 2\n")
	tk.initToken(0, "so")
	s := tk.session(0)
	wantCKR(t, "wrong SO PIN", tk.p.Login(s, pkcs11.CKU_SO, "wrong-so"), pkcs11.CKR_PIN_INCORRECT)
	ti, err := tk.p.GetTokenInfo(0)
	if err != nil || ti.Flags&(pkcs11.CKF_SO_PIN_COUNT_LOW|pkcs11.CKF_SO_PIN_FINAL_TRY) != pkcs11.CKF_SO_PIN_COUNT_LOW|pkcs11.CKF_SO_PIN_FINAL_TRY {
		t.Fatalf("SO PIN flags %#x, %v", ti.Flags, err)
	}
	if ti.Flags&pkcs11.CKF_USER_PIN_COUNT_LOW != 0 {
		t.Error("a wrong SO PIN took a user PIN try")
	}
	wantCKR(t, "second wrong SO PIN", tk.p.Login(s, pkcs11.CKU_SO, "wrong-so"), pkcs11.CKR_PIN_LOCKED)
	wantCKR(t, "right SO PIN when locked", tk.p.Login(s, pkcs11.CKU_SO, soPIN), pkcs11.CKR_PIN_LOCKED)
	if err := tk.p.CloseSession(s); err != nil {
		t.Fatal(err)
	}
	wantCKR(t, "C_InitToken with the SO PIN locked", tk.p.InitToken(0, soPIN, "again"), pkcs11.CKR_PIN_LOCKED)
	// The user PIN is not affected: login fails the test otherwise.
	tk.login(0)
}
