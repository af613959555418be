package pkcs11_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/pkcs11"
)

// Example lists the certificates on every token and signs a document
// with the first one whose key is on its token. The PIN is asked only
// when the token needs it.
func Example() {
	m, err := pkcs11.Open(pkcs11.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	for _, mod := range m.Modules() {
		if mod.Err != nil {
			log.Printf("module %s: %v", mod.Path, mod.Err)
		}
	}
	certs, err := m.Certificates()
	if err != nil {
		log.Print(err) // some token failed; the others are listed
	}
	for _, c := range certs {
		if c.Key == pkcs11.KeyMissing {
			continue
		}
		key, err := m.Signer(c.ID, func(r pkcs11.PINRequest) ([]byte, error) {
			return askPIN(r.Token.Label) // from the user; wiped by the package
		})
		if err != nil {
			log.Fatal(err)
		}
		sig, err := cms.Sign(bytes.NewReader([]byte("document")), cms.Signer{Key: key, Certificate: key.Certificate()}, nil)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("signed with %s: %d bytes\n", c.Cert.Subject.CommonName, len(sig))
		return
	}
}

func askPIN(label string) ([]byte, error) { return []byte("12345678"), nil }
