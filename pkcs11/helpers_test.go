package pkcs11

import (
	"crypto"
	"crypto/ecdsa"
)

const hashSHA256 = crypto.SHA256

func verifyECDSA(k *Key, digest, sig []byte) bool {
	pub, ok := k.Public().(*ecdsa.PublicKey)
	return ok && ecdsa.VerifyASN1(pub, digest, sig)
}
