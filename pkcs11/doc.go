// Package pkcs11 will be the only place where Zavera talks PKCS#11: module
// discovery, slots, tokens, certificates, keys as signers, PIN state,
// sessions and token events. Every cgo call to a PKCS#11 module stays
// inside this package, and every CKR_* code is mapped to a typed error in
// one place.
package pkcs11
