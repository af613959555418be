package pkcs11

import (
	"testing"

	p11 "github.com/miekg/pkcs11"
)

// FuzzTokenObjects lists certificates and opens keys on a token whose
// objects hold arbitrary bytes: a broken or hostile module must give
// errors, never a panic.
func FuzzTokenObjects(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01}, []byte{0x04, 0x41, 0x04}, []byte{1}, []byte{0x30, 0x80})
	f.Add([]byte{}, []byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, certDER, point, id, value []byte) {
		tok := &fakeToken{label: "fuzz", serial: "F", present: true, pin: "1234", mechs: []uint{p11.CKM_ECDSA, ckmGOSTR3410},
			objects: []*fakeObject{
				obj(p11.CKO_CERTIFICATE, p11.CKA_CERTIFICATE_TYPE, uint(p11.CKC_X_509), p11.CKA_VALUE, certDER, p11.CKA_ID, id),
				obj(p11.CKO_PUBLIC_KEY, p11.CKA_KEY_TYPE, uint(p11.CKK_EC), p11.CKA_EC_POINT, point, p11.CKA_VALUE, value),
				obj(p11.CKO_PRIVATE_KEY, p11.CKA_KEY_TYPE, uint(p11.CKK_EC), p11.CKA_ID, id, p11.CKA_ALWAYS_AUTHENTICATE, value),
			},
			sign: func(uint, *fakeObject, []byte) ([]byte, error) { return value, nil },
		}
		m := fakeManager(t, newFakeModule(t, tok), Options{})
		certs, _ := m.Certificates()
		for _, c := range certs {
			key, err := m.Signer(c.ID, fixedPIN("1234", nil))
			if err != nil {
				continue
			}
			key.Sign(nil, make([]byte, 32), hashSHA256)
			key.Sign(nil, make([]byte, 32), nil)
		}
	})
}
