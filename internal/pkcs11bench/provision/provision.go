// Package provision puts keys and certificates on PKCS#11 tokens for
// tests and benchmarks: SoftHSM2 tokens with ECDSA P-256 and RSA-2048
// keys, and GOST test tokens (build/libgosttoken.so) with GOST R
// 34.10-2012 keys made by OpenSSL's GOST engine.
//
// Every function loads the module on its own, initialises it, does its
// work and finalises it again, so it must run before any other user of
// the module in the process (C_Initialize is once per process) and is not
// safe for concurrent use. SoftHSM reads SOFTHSM2_CONF and the GOST test
// token GOSTTOKEN_DIR when initialised: set them in the environment first.
package provision

import (
	"crypto"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	p11 "github.com/miekg/pkcs11"
)

// ErrProvision wraps every failure of this package.
var ErrProvision = errors.New("provision: failed")

// SoftHSMModule is Debian's SoftHSM2 module (package softhsm2).
const SoftHSMModule = "/usr/lib/softhsm/libsofthsm2.so"

// The PINs every provisioned token gets.
const (
	UserPIN = "12345678"
	SOPIN   = "87654321"
)

// Key is a key pair and self-signed certificate put on a token.
type Key struct {
	Label   string
	ID      []byte // CKA_ID, nil when the objects carry none
	CertDER []byte
	CertPEM string // a file holding the certificate, for openssl -CAfile
	// Software is the same private key in software (ECDSA, RSA and GOST):
	// tests compare with it.
	Software crypto.Signer
}

func fail(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProvision, fmt.Sprintf(format, args...))
}

// withModule loads module, initialises it and runs fn.
func withModule(module string, fn func(ctx *p11.Ctx) error) error {
	ctx := p11.New(module)
	if ctx == nil {
		return fail("cannot load %s", module)
	}
	defer ctx.Destroy()
	if err := ctx.Initialize(); err != nil {
		return fail("%s: C_Initialize: %v", module, err)
	}
	defer ctx.Finalize()
	return fn(ctx)
}

// findSlot returns the slot of the token with the label.
func findSlot(ctx *p11.Ctx, label string) (uint, error) {
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		return 0, fail("C_GetSlotList: %v", err)
	}
	for _, sl := range slots {
		if ti, err := ctx.GetTokenInfo(sl); err == nil && ti.Label == label {
			return sl, nil
		}
	}
	return 0, fail("no token labelled %q", label)
}

// Create logs into the token with the label as the user and creates the
// objects.
func Create(module, token string, objects ...[]*p11.Attribute) error {
	return withModule(module, func(ctx *p11.Ctx) error {
		sl, err := findSlot(ctx, token)
		if err != nil {
			return err
		}
		sh, err := ctx.OpenSession(sl, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
		if err != nil {
			return fail("C_OpenSession: %v", err)
		}
		defer ctx.CloseSession(sh)
		if err := ctx.Login(sh, p11.CKU_USER, UserPIN); err != nil {
			return fail("C_Login: %v", err)
		}
		defer ctx.Logout(sh)
		for _, o := range objects {
			if _, err := ctx.CreateObject(sh, o); err != nil {
				return fail("C_CreateObject: %v", err)
			}
		}
		return nil
	})
}

// common returns the attributes every object of a key pair shares.
func common(class uint, label string, id []byte) []*p11.Attribute {
	a := []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, class),
		p11.NewAttribute(p11.CKA_TOKEN, true),
		p11.NewAttribute(p11.CKA_LABEL, label),
	}
	if id != nil {
		a = append(a, p11.NewAttribute(p11.CKA_ID, id))
	}
	return a
}

func certObject(label string, id, der, subject []byte) []*p11.Attribute {
	return append(common(p11.CKO_CERTIFICATE, label, id),
		p11.NewAttribute(p11.CKA_CERTIFICATE_TYPE, p11.CKC_X_509),
		p11.NewAttribute(p11.CKA_SUBJECT, subject),
		p11.NewAttribute(p11.CKA_VALUE, der))
}

func writePEM(dir, name string, der []byte) (string, error) {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return "", fail("%v", err)
	}
	return p, nil
}
