package gost_test

import (
	"crypto/rand"
	"encoding/pem"
	"fmt"

	"github.com/zavera/zavera/gost"
)

// Signing a hash with a new key on TC26 256 A and checking the signature.
// The digest would come from Streebog-256 over the signed data.
func ExamplePrivateKey_Sign() {
	curve, err := gost.CurveByName("id-tc26-gost-3410-12-256-paramSetA")
	if err != nil {
		panic(err)
	}
	key, err := gost.GenerateKey(curve, rand.Reader)
	if err != nil {
		panic(err)
	}
	digest := make([]byte, curve.Size())
	sig, err := key.Sign(rand.Reader, digest, nil) // BE(s) || BE(r)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(sig), key.PublicKey().Verify(digest, sig))
	// Output: 64 <nil>
}

// Writing a key pair in the PEM forms OpenSSL's GOST engine reads.
func ExampleMarshalPKCS8PrivateKey() {
	curve, _ := gost.CurveByName("512A")
	key, _ := gost.GenerateKey(curve, nil)
	priv, _ := gost.MarshalPKCS8PrivateKey(key)
	pub, _ := gost.MarshalPKIXPublicKey(key.PublicKey())
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})

	back, _ := gost.ParsePKIXPublicKey(pub)
	fmt.Println(len(privPEM) > 0, len(pubPEM) > 0, back.Equal(key.PublicKey()), back.Curve().Name())
	// Output: true true true id-tc26-gost-3410-12-512-paramSetA
}
