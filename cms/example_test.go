package cms_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost"
)

// Verify a detached CryptoARM signature (BER, PEM armour) against its
// document and the CA that issued the signer's certificate.
func ExampleVerify() {
	dir := "../../shared/realworld/"
	sig, _ := os.ReadFile(dir + "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem")
	doc, _ := os.Open(dir + "content_cryptoarm_test_crlf.txt")
	defer doc.Close()
	caFile, _ := os.ReadFile(dir + "ca_root_cryptopro-test-uc-2012_gost2012-256.cer")
	roots, _ := cert.ParseAll(caFile)

	res, err := cms.Verify(sig, &cms.VerifyOptions{Content: doc, Roots: roots})
	if errors.Is(err, cms.ErrSignature) {
		fmt.Println("forged")
		return
	}
	s := res.Signers[0]
	fmt.Println(err == nil, s.Certificate.Subject.CommonName, s.SigningTime.UTC())
	for _, c := range s.Checks {
		fmt.Println(c.Name, c.Outcome)
	}
	// Output:
	// true TrustedCrypro2012-256 2020-01-10 08:55:17 +0000 UTC
	// certificate passed
	// content-type passed
	// message-digest passed
	// signature passed
	// signing-certificate passed
	// validity passed
	// key-usage passed
	// chain passed
}

// Sign a document with a software GOST key; a token key (a crypto.Signer
// from package pkcs11) goes in the same place.
func ExampleSign() {
	keyDER, _ := os.ReadFile("signer.p8")   // PKCS #8, as openssl genpkey writes it
	certDER, _ := os.ReadFile("signer.cer") // the signer's certificate
	key, err := gost.ParsePKCS8PrivateKey(keyDER)
	if err != nil {
		return
	}
	c, err := cert.Parse(certDER)
	if err != nil {
		return
	}
	sig, err := cms.Sign(bytes.NewReader([]byte("document")), cms.Signer{Key: key, Certificate: c}, nil)
	if err != nil {
		return
	}
	os.WriteFile("document.sig", sig, 0o644)
}
