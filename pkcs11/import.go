package pkcs11

import (
	"crypto/sha1"
	"encoding/asn1"
	"errors"
	"fmt"

	p11 "github.com/miekg/pkcs11"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
)

// ErrNoGOSTKeys: the token does not list the mechanisms that sign with
// a GOST R 34.10-2012 key of the size at hand, so a key written onto it
// could not be used. Nothing is written.
var ErrNoGOSTKeys = errors.New("pkcs11: the token does not take GOST keys")

// ErrKeyOnToken: the token already holds a private key with the
// identifier the imported key would get.
var ErrKeyOnToken = errors.New("pkcs11: the key is already on the token")

// ckaGOSTR3411Params is CKA_GOSTR3411_PARAMS, the Streebog variant of a
// GOST key (it tells a 2012-256 key from a 2001 key).
const ckaGOSTR3411Params = 0x251

// ImportKey writes a software key onto the token with the given ID as
// token objects: the private key (sensitive, not extractable, for
// signing only), its public key and the certificate certDER, all three
// with the same CKA_ID (SHA-1 of the public key's CKA_VALUE) and label.
// It returns the certificate's ID (see CertificateID).
//
// The token must list CKM_GOSTR3410 or CKM_GOSTR3410_WITH_GOSTR3411_12_256
// for a 256-bit key (the _512 ones for a 512-bit key), else the error is
// ErrNoGOSTKeys and nothing is written. The certificate must hold the
// key's public key (ErrInvalidInput otherwise). pin supplies the user
// PIN as for a signature; a wrong PIN writes nothing. When one of the
// objects is refused, those already written are destroyed again.
//
// The caller keeps key and wipes it after the call; the copies of its
// scalar made here are wiped when the call returns (a module host wipes
// its own).
func (m *Manager) ImportKey(tokenID string, key *gost.PrivateKey, certDER []byte, label string, pin PINFunc) (string, error) {
	if key == nil {
		return "", fmt.Errorf("%w: no key", ErrInvalidInput)
	}
	c, err := cert.Parse(certDER)
	if err != nil {
		return "", fmt.Errorf("%w: the certificate does not parse: %v", ErrInvalidInput, err)
	}
	if !key.PublicKey().Equal(c.PublicKey) {
		return "", fmt.Errorf("%w: the certificate is not the key's", ErrInvalidInput)
	}
	t, err := m.tokenByID(tokenID)
	if err != nil {
		return "", err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return "", ErrClosed
	}
	if !t.present && !t.refind() {
		return "", &Error{Op: "C_OpenSession", Code: p11.CKR_TOKEN_NOT_PRESENT, Kind: ErrTokenRemoved}
	}
	if err := t.takesGOST(key.Curve().Size()); err != nil {
		return "", err
	}
	h, err := t.mod.be.OpenSession(t.info.Slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
	if err != nil {
		return "", mapError("C_OpenSession", err)
	}
	s := &session{t: t, be: t.mod.be, h: h, fresh: true}
	defer t.mod.be.CloseSession(h)
	if !t.loggedIn {
		// The login covers every session of the token: the token's own
		// one, when open, is logged in too.
		if err := s.doLogin(p11.CKU_USER, pin, false); err != nil {
			return "", err
		}
		if t.hasSess {
			t.loggedIn = true
			t.changed()
			t.touch()
		}
	}
	objs := importTemplates(key, c, label)
	defer objs.wipe()
	if hs, err := s.findAll([]*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY), p11.NewAttribute(p11.CKA_ID, objs.id)}); err != nil {
		return "", err
	} else if len(hs) > 0 {
		return "", ErrKeyOnToken
	}
	var made []p11.ObjectHandle
	for _, tmpl := range [][]*p11.Attribute{objs.private, objs.public, objs.cert} {
		o, err := s.be.CreateObject(h, tmpl)
		if err != nil {
			for i := len(made) - 1; i >= 0; i-- {
				s.be.DestroyObject(h, made[i])
			}
			return "", mapError("C_CreateObject", err)
		}
		made = append(made, o)
	}
	// The certificate objects changed: the next listing reads them.
	t.certHandles = ""
	return CertificateID(c.Raw), nil
}

// AcceptsGOSTKeys tells, before anything is asked of the user, whether
// ImportKey would take a GOST key of bits (256 or 512) onto the token:
// nil, ErrNoGOSTKeys, or why the token cannot be reached.
func (m *Manager) AcceptsGOSTKeys(tokenID string, bits int) error {
	t, err := m.tokenByID(tokenID)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	return t.takesGOST(bits / 8)
}

// tokenByID returns the token with the ID, scanning the modules when it
// is not known yet.
func (m *Manager) tokenByID(id string) (*token, error) {
	m.mu.Lock()
	t := m.tokens[id]
	m.mu.Unlock()
	if t == nil {
		_, err := m.scan()
		m.mu.Lock()
		t = m.tokens[id]
		m.mu.Unlock()
		if t == nil {
			if err != nil {
				return nil, fmt.Errorf("%w: token %s (%w)", ErrTokenRemoved, id, err)
			}
			return nil, fmt.Errorf("%w: token %s", ErrTokenRemoved, id)
		}
	}
	return t, nil
}

// takesGOST checks that the token signs with GOST keys of size bytes (32
// or 64). The caller holds t.mu.
func (t *token) takesGOST(size int) error {
	raw, combined, bits := uint(ckmGOSTR3410), uint(ckmGOSTR3410With256), 256
	if size == 64 {
		raw, combined, bits = ckmGOSTR3410_512, ckmGOSTR3410With512, 512
	}
	mechs := t.mechanisms()
	if !mechs[raw] && !mechs[combined] {
		return fmt.Errorf("%w: %q lists no signature with %d-bit GOST R 34.10-2012 keys", ErrNoGOSTKeys, t.info.Label, bits)
	}
	return nil
}

// importObjects are the templates of an import.
type importObjects struct {
	id                    []byte
	private, public, cert []*p11.Attribute
	secret                []byte // the private CKA_VALUE, wiped by wipe
}

func (o *importObjects) wipe() { wipe(o.secret) }

// importTemplates builds the three templates for key and its
// certificate c.
func importTemplates(key *gost.PrivateKey, c *cert.Certificate, label string) *importObjects {
	curve := key.Curve()
	kt := uint(ckkGOSTR3410)
	if curve.Size() == 64 {
		kt = ckkGOSTR3410_512
	}
	params, _ := asn1.Marshal(curve.OID())
	digest, _ := asn1.Marshal(curve.DigestOID())
	pub := key.PublicKey().Bytes()
	sum := sha1.Sum(pub)
	o := &importObjects{id: sum[:], secret: key.Bytes()}
	common := func(class uint, private bool) []*p11.Attribute {
		return []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, class),
			p11.NewAttribute(p11.CKA_TOKEN, true),
			p11.NewAttribute(p11.CKA_PRIVATE, private),
			p11.NewAttribute(p11.CKA_ID, o.id),
			p11.NewAttribute(p11.CKA_LABEL, label),
			p11.NewAttribute(p11.CKA_SUBJECT, c.RawSubject),
		}
	}
	o.private = append(common(p11.CKO_PRIVATE_KEY, true),
		p11.NewAttribute(p11.CKA_KEY_TYPE, kt),
		p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_EXTRACTABLE, false),
		p11.NewAttribute(p11.CKA_SIGN, true),
		p11.NewAttribute(ckaGOSTR3410Params, params),
		p11.NewAttribute(ckaGOSTR3411Params, digest),
		p11.NewAttribute(p11.CKA_VALUE, o.secret),
	)
	o.public = append(common(p11.CKO_PUBLIC_KEY, false),
		p11.NewAttribute(p11.CKA_KEY_TYPE, kt),
		p11.NewAttribute(p11.CKA_VERIFY, true),
		p11.NewAttribute(ckaGOSTR3410Params, params),
		p11.NewAttribute(ckaGOSTR3411Params, digest),
		p11.NewAttribute(p11.CKA_VALUE, pub),
	)
	o.cert = append(common(p11.CKO_CERTIFICATE, false),
		p11.NewAttribute(p11.CKA_CERTIFICATE_TYPE, p11.CKC_X_509),
		p11.NewAttribute(p11.CKA_ISSUER, c.RawIssuer),
		p11.NewAttribute(p11.CKA_VALUE, c.Raw),
	)
	if c.SerialNumber != nil {
		if serial, err := asn1.Marshal(c.SerialNumber); err == nil {
			o.cert = append(o.cert, p11.NewAttribute(p11.CKA_SERIAL_NUMBER, serial))
		}
	}
	return o
}
