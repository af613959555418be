package pkcs11

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"io"
	"math/big"
	"sync/atomic"

	p11 "github.com/miekg/pkcs11"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/streebog"
)

// Key is a private key on a token, usable as a crypto.Signer by the
// CAdES builder. Its public key and certificate are read when it is
// opened, so Public never fails. A Key stays valid across token removal:
// after the token comes back the next Sign finds the key again.
//
// Sign may be called from several goroutines; calls on one token run one
// at a time.
type Key struct {
	t    *token
	cert *Certificate
	pub  crypto.PublicKey
	pin  PINFunc

	// handle and always are cached for token generation gen.
	gen    uint64
	handle p11.ObjectHandle
	always bool
	found  bool

	// willAsk caches WillAskPIN's answer: the token's epoch << 1 | answer;
	// 0 before the first.
	willAsk atomic.Uint64
	// noLogin keys never log in (see WithoutLogin).
	noLogin bool
}

// WithoutLogin returns a key for the same certificate that never logs in:
// where k would call the PIN callback or log in with the PIN pad (a token
// not logged in, a key with CKA_ALWAYS_AUTHENTICATE), it fails with
// ErrPINRequired before anything is sent. A caller that must bind the PIN
// prompt to one request at a time signs with it first, outside its own
// lock, and takes the lock only for the signatures that need a login.
func (k *Key) WithoutLogin() *Key {
	return &Key{t: k.t, cert: k.cert, pub: k.pub, noLogin: true}
}

var (
	_ crypto.Signer        = (*Key)(nil)
	_ crypto.MessageSigner = (*Key)(nil)
)

// Public returns the certificate's public key.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// Certificate returns the parsed certificate of the key.
func (k *Key) Certificate() *cert.Certificate { return k.cert.Cert }

// Info returns what was found about the certificate and its token.
func (k *Key) Info() Certificate { return *k.cert }

// Sign signs a digest the caller computed.
//
//   - GOST R 34.10-2012: digest is the 32- or 64-byte Streebog output of
//     the key's size, opts.HashFunc() is 0; the result is BE(s) || BE(r),
//     straight from CKM_GOSTR3410 / CKM_GOSTR3410_512.
//   - ECDSA: digest is the opts.HashFunc() output; the result is the
//     ASN.1 SEQUENCE {r, s} crypto/ecdsa produces. CKM_ECDSA.
//   - RSA: PKCS #1 v1.5 over opts.HashFunc() (CKM_RSA_PKCS over the
//     DigestInfo).
//
// rand is not used: the token draws its own randomness.
func (k *Key) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	var h crypto.Hash
	if opts != nil {
		h = opts.HashFunc()
	}
	switch pub := k.pub.(type) {
	case *gost.PublicKey:
		if h != 0 {
			return nil, fmt.Errorf("%w: a GOST key signs a Streebog digest, not %v", ErrInvalidInput, h)
		}
		size := pub.Curve().Size()
		if len(digest) != size {
			return nil, fmt.Errorf("%w: digest of %d bytes for a %d-bit GOST key", ErrInvalidInput, len(digest), size*8)
		}
		raw := uint(ckmGOSTR3410)
		if size == 64 {
			raw = ckmGOSTR3410_512
		}
		sig, err := k.sign(raw, digest, false)
		if err == nil && len(sig) != 2*size {
			return nil, fmt.Errorf("%w: the token returned a GOST signature of %d bytes, want %d", ErrDeviceError, len(sig), 2*size)
		}
		return sig, err
	case *ecdsa.PublicKey:
		if h == 0 || len(digest) != h.Size() {
			return nil, fmt.Errorf("%w: ECDSA needs the digest of a named hash", ErrInvalidInput)
		}
		sig, err := k.sign(p11.CKM_ECDSA, digest, false)
		if err != nil {
			return nil, err
		}
		return ecdsaASN1(sig, (pub.Curve.Params().BitSize+7)/8)
	case *rsa.PublicKey:
		prefix, ok := digestInfoPrefix[h]
		if !ok || len(digest) != h.Size() {
			return nil, fmt.Errorf("%w: RSA PKCS #1 v1.5 with hash %v", ErrInvalidInput, h)
		}
		in := append(append([]byte(nil), prefix...), digest...)
		return k.sign(p11.CKM_RSA_PKCS, in, false)
	}
	return nil, fmt.Errorf("%w: key type %T", ErrMechanismNotSupported, k.pub)
}

// SignMessage signs a whole message. For GOST keys the Streebog hash is
// computed on the host and the raw mechanism signs it; only a token that
// lacks the raw mechanism gets the message itself, through
// CKM_GOSTR3410_WITH_GOSTR3411_12_256 / _512. ECDSA and RSA hash with
// opts.HashFunc() and sign as Sign does.
func (k *Key) SignMessage(rand io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	if pub, ok := k.pub.(*gost.PublicKey); ok {
		raw, combined := uint(ckmGOSTR3410), uint(ckmGOSTR3410With256)
		if pub.Curve().Size() == 64 {
			raw, combined = ckmGOSTR3410_512, ckmGOSTR3410With512
		}
		if k.hasMechanism(raw) || !k.hasMechanism(combined) {
			var d []byte
			if pub.Curve().Size() == 64 {
				s := streebog.Sum512(msg)
				d = s[:]
			} else {
				s := streebog.Sum256(msg)
				d = s[:]
			}
			return k.Sign(rand, d, opts)
		}
		return k.sign(combined, msg, true)
	}
	h := crypto.Hash(0)
	if opts != nil {
		h = opts.HashFunc()
	}
	if h == 0 || !h.Available() {
		return nil, fmt.Errorf("%w: no hash to sign the message with", ErrInvalidInput)
	}
	hh := h.New()
	hh.Write(msg)
	return k.Sign(rand, hh.Sum(nil), opts)
}

// WillAskPIN reports whether the next signature with k may call the PIN
// callback: the token needs a login it does not have, or the key wants a
// login before every signature (or has not been used yet, so that this is
// not known). A PIN-pad token never calls the callback. Callers that must
// not overlap PIN prompts use it to tell when a signature is safe to make
// without holding their prompt slot.
func (k *Key) WillAskPIN() bool {
	t := k.t
	if v := k.willAsk.Load(); v != 0 && v>>1 == t.epoch.Load() {
		return v&1 == 1
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ask := k.willAskLocked()
	v := t.epoch.Load() << 1
	if ask {
		v |= 1
	}
	k.willAsk.Store(v)
	return ask
}

// willAskLocked answers WillAskPIN; the caller holds k.t.mu.
func (k *Key) willAskLocked() bool {
	t := k.t
	if t.info.PIN.PINPad {
		return false
	}
	if !k.found || k.gen != t.gen || k.always {
		return true
	}
	return t.info.PIN.LoginRequired && !t.loggedIn
}

// hasMechanism reports whether the token lists mech; true when the
// module cannot tell.
func (k *Key) hasMechanism(mech uint) bool {
	ok := true
	k.t.withSession(func(s *session) error {
		if m := k.t.mechanisms(); m != nil {
			ok = m[mech]
		}
		return nil
	})
	return ok
}

// sign runs C_SignInit and C_Sign with mech over in, logging in first
// when needed (and once more, context-specific, for keys that ask for
// it). With combined false a missing raw GOST mechanism is reported as
// ErrMechanismNotSupported before anything is sent.
func (k *Key) sign(mech uint, in []byte, combined bool) ([]byte, error) {
	if out, ok, err := k.signParallel(mech, in); ok {
		return out, err
	}
	var sig []byte
	err := k.t.withSession(func(s *session) error {
		if m := k.t.mechanisms(); m != nil && !m[mech] {
			hint := ""
			switch {
			case mech == ckmGOSTR3410_512 && m[ckmGOSTR3410] && !m[ckmGOSTR3410With512]:
				hint = " (the token offers only the standard GOST mechanisms: no 512-bit signature)"
			case !combined && (mech == ckmGOSTR3410 && m[ckmGOSTR3410With256] || mech == ckmGOSTR3410_512 && m[ckmGOSTR3410With512]):
				hint = " (the token hashes on board only: sign the message with SignMessage)"
			}
			return &Error{Op: "C_GetMechanismList", Code: p11.CKR_MECHANISM_INVALID, Kind: fmt.Errorf("%w: %#x%s", ErrMechanismNotSupported, mech, hint)}
		}
		var out []byte
		for attempt := 0; ; attempt++ {
			var err error
			out, err = k.signOnce(s, mech, in)
			// The token may have logged out on its own (its own timeout,
			// another user of the module): log in again, once.
			if code, ok := codeOf(err); ok && code == p11.CKR_USER_NOT_LOGGED_IN && attempt == 0 {
				k.t.loggedIn, k.found = false, false
				k.t.changed()
				continue
			}
			if err != nil {
				return err
			}
			break
		}
		sig = out
		return nil
	})
	return sig, err
}

// signOnce logs in when needed, finds the key and signs. Errors of
// C_SignInit and C_Sign are returned as they come (p11.Error) so that the
// caller can tell a lost login; the rest are mapped.
func (k *Key) signOnce(s *session, mech uint, in []byte) ([]byte, error) {
	if k.noLogin {
		if err := s.loggedIn(); err != nil {
			return nil, err
		}
	} else if err := s.login(k.pin); err != nil {
		return nil, err
	}
	h, always, err := k.keyHandle(s)
	if err != nil {
		return nil, err
	}
	if always && k.noLogin {
		return nil, ErrPINRequired
	}
	if !always {
		out, op, err := signInitSign(s.be, s.h, mech, h, in)
		if err != nil {
			if code, ok := codeOf(err); ok && code == p11.CKR_USER_NOT_LOGGED_IN {
				return nil, err
			}
			return nil, mapError(op, err)
		}
		return out, nil
	}
	if err := s.be.SignInit(s.h, []*p11.Mechanism{p11.NewMechanism(mech, nil)}, h); err != nil {
		if code, ok := codeOf(err); ok && code == p11.CKR_USER_NOT_LOGGED_IN {
			return nil, err
		}
		return nil, mapError("C_SignInit", err)
	}
	if always {
		if err := s.doLogin(p11.CKU_CONTEXT_SPECIFIC, k.pin, true); err != nil {
			// The signing operation is still active in the session and
			// PKCS#11 has no way to cancel it but closing the session.
			k.t.dropSession()
			return nil, err
		}
	}
	out, err := s.be.Sign(s.h, in)
	if err != nil {
		if code, ok := codeOf(err); ok && code == p11.CKR_USER_NOT_LOGGED_IN {
			return nil, err
		}
		return nil, mapError("C_Sign", err)
	}
	return out, nil
}

// keyHandle returns the private key's handle in the current session,
// finding it when the session is new.
func (k *Key) keyHandle(s *session) (p11.ObjectHandle, bool, error) {
	if k.found && k.gen == k.t.gen {
		return k.handle, k.always, nil
	}
	h, err := s.findPrivateKey(k.pub, k.cert.KeyID, probeKey(k.pub))
	if err != nil {
		return 0, false, fmt.Errorf("certificate %s on token %q: %w", k.cert.ID, k.t.info.Label, err)
	}
	a, err := s.attrs(h, p11.CKA_ALWAYS_AUTHENTICATE)
	if err != nil {
		return 0, false, err
	}
	k.handle, k.always, k.gen, k.found = h, boolAttr(a[p11.CKA_ALWAYS_AUTHENTICATE]), k.t.gen, true
	k.t.changed()
	return h, k.always, nil
}

// ecdsaASN1 turns the r || s of CKM_ECDSA into the DER SEQUENCE {r, s}.
func ecdsaASN1(raw []byte, size int) ([]byte, error) {
	if len(raw) != 2*size {
		return nil, fmt.Errorf("%w: CKM_ECDSA returned %d bytes, want %d", ErrDeviceError, len(raw), 2*size)
	}
	r := new(big.Int).SetBytes(raw[:size])
	s := new(big.Int).SetBytes(raw[size:])
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.Bytes()
}

// digestInfoPrefix is the DER of DigestInfo up to the digest bytes
// (RFC 8017 section 9.2, note 1).
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA1:   {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}
