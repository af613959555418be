package testtoken_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/miekg/pkcs11"
)

// FuzzTokenFile feeds arbitrary token files to C_Initialize: the module
// must start (and then answer about the token) or refuse with
// CKR_DEVICE_ERROR, never crash.
func FuzzTokenFile(f *testing.F) {
	f.Add([]byte("gosttoken 1\ninitialized 1\nlabel 41\nso - - 3\nuser - - 3\n"))
	f.Add([]byte("gosttoken 1\nobject\nattr 0 0300000000000000\nattr 250 06092a8503070102010101\nend\n"))
	f.Add([]byte("gosttoken 1\nobject\nattr 0 0300000000000000\nattr 100 30\nattr 11 01\nend\n"))
	f.Add([]byte("gosttoken 1\nso 00 00 1\n"))
	f.Add([]byte("gosttoken 1\nattr 1 -\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "token0.token"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		p := module(t)
		t.Setenv("GOSTTOKEN_DIR", dir)
		err := p.Initialize()
		var code pkcs11.Error
		if err != nil {
			if !errors.As(err, &code) || code != pkcs11.CKR_DEVICE_ERROR {
				t.Fatalf("C_Initialize: %v", err)
			}
			return
		}
		defer p.Finalize()
		if _, err := p.GetTokenInfo(0); err != nil {
			t.Fatalf("C_GetTokenInfo: %v", err)
		}
		s, err := p.OpenSession(0, pkcs11.CKF_SERIAL_SESSION)
		if err != nil {
			t.Fatalf("C_OpenSession: %v", err)
		}
		// Walk whatever objects the file held; a key without usable
		// values must fail cleanly.
		if err := p.FindObjectsInit(s, nil); err != nil {
			t.Fatal(err)
		}
		hs, _, err := p.FindObjects(s, 100)
		if err != nil {
			t.Fatal(err)
		}
		_ = p.FindObjectsFinal(s)
		for _, h := range hs {
			_, _ = p.GetAttributeValue(s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
			if err := p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_GOSTR3410, nil)}, h); err == nil {
				_, _ = p.Sign(s, make([]byte, 32))
			}
		}
	})
}

// FuzzControlFile feeds arbitrary control files to a running module.
func FuzzControlFile(f *testing.F) {
	f.Add([]byte("present = 0\n"))
	f.Add([]byte("one.present=0\ntwo.sign_delay_ms = 1\nfail_sign = 2\npinpad = cancel # comment\n"))
	f.Add([]byte("=\n.=\n..present = 0\npresent = 99999999999999999999\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tk := newToken(t, "slot one\nslot two\n")
		if err := os.WriteFile(filepath.Join(tk.dir, "control"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		slots, err := tk.p.GetSlotList(false)
		if err != nil || len(slots) != 2 {
			t.Fatalf("C_GetSlotList: %v, %v", slots, err)
		}
		for _, id := range slots {
			if _, err := tk.p.GetSlotInfo(id); err != nil {
				t.Fatalf("C_GetSlotInfo(%d): %v", id, err)
			}
		}
	})
}
