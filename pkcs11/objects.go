package pkcs11

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"

	p11 "github.com/miekg/pkcs11"

	"github.com/zavera/zavera/gost"
)

// GOST R 34.10-2012 constants of the TC26 PKCS#11 guideline (vendor range
// 0xD4321000); see /GOST.md.
const (
	ckkGOSTR3410        = 0x30
	ckkGOSTR3410_512    = 0xD4321003
	ckaGOSTR3410Params  = 0x250
	ckmGOSTR3410        = 0x1201
	ckmGOSTR3410_512    = 0xD4321006
	ckmGOSTR3410With256 = 0xD4321008
	ckmGOSTR3410With512 = 0xD4321009
)

// maxObjects bounds how many objects of one kind are read from a token,
// so that a hostile or broken module cannot make us loop forever.
const maxObjects = 4096

// findAll returns the handles of every object matching tmpl.
func (s *session) findAll(tmpl []*p11.Attribute) ([]p11.ObjectHandle, error) {
	if err := s.be.FindObjectsInit(s.h, tmpl); err != nil {
		return nil, mapError("C_FindObjectsInit", err)
	}
	var out []p11.ObjectHandle
	var ferr error
	for len(out) < maxObjects {
		hs, _, err := s.be.FindObjects(s.h, 64)
		if err != nil {
			ferr = mapError("C_FindObjects", err)
			break
		}
		if len(hs) == 0 {
			break
		}
		out = append(out, hs...)
	}
	if err := s.be.FindObjectsFinal(s.h); err != nil && ferr == nil {
		ferr = mapError("C_FindObjectsFinal", err)
	}
	return out, ferr
}

// attrs reads attributes of an object into a map. Attributes the object
// lacks or hides are absent from the map: C_GetAttributeValue reports
// them with an error for the whole call, so they are read one by one
// when the batch fails.
func (s *session) attrs(o p11.ObjectHandle, types ...uint) (map[uint][]byte, error) {
	tmpl := make([]*p11.Attribute, len(types))
	for i, t := range types {
		tmpl[i] = p11.NewAttribute(t, nil)
	}
	got, err := s.be.GetAttributeValue(s.h, o, tmpl)
	out := make(map[uint][]byte, len(types))
	if err == nil {
		for _, a := range got {
			out[a.Type] = a.Value
		}
		return out, nil
	}
	mapped := mapError("C_GetAttributeValue", err)
	if isRemoval(mapped) || len(types) == 1 {
		if len(types) == 1 {
			if code, ok := codeOf(err); ok && (code == p11.CKR_ATTRIBUTE_TYPE_INVALID || code == p11.CKR_ATTRIBUTE_SENSITIVE) {
				return out, nil
			}
		}
		return nil, mapped
	}
	for _, t := range types {
		one, err := s.attrs(o, t)
		if err != nil {
			return nil, err
		}
		for k, v := range one {
			out[k] = v
		}
	}
	return out, nil
}

func boolAttr(b []byte) bool { return len(b) == 1 && b[0] != 0 }

// publicKeyValue returns the bytes a PKCS#11 public key object holds for
// pub and the attribute that holds them: CKA_EC_POINT (a DER OCTET STRING
// around the uncompressed point), CKA_MODULUS, or CKA_VALUE for GOST
// (LE(X) || LE(Y)).
func publicKeyValue(pub crypto.PublicKey) (uint, []byte) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		raw, err := k.Bytes()
		if err != nil {
			return 0, nil
		}
		der, err := asn1.Marshal(raw)
		if err != nil {
			return 0, nil
		}
		return p11.CKA_EC_POINT, der
	case *rsa.PublicKey:
		return p11.CKA_MODULUS, k.N.Bytes()
	case *gost.PublicKey:
		return p11.CKA_VALUE, k.Bytes()
	}
	return 0, nil
}

// publicMatches reports whether an object's attribute value is pub.
// CKA_EC_POINT is accepted both DER-wrapped and raw, as modules differ.
func publicMatches(pub crypto.PublicKey, attr uint, value []byte) bool {
	want, wantVal := publicKeyValue(pub)
	if want == 0 || want != attr || len(value) == 0 {
		return false
	}
	if bytes.Equal(value, wantVal) {
		return true
	}
	switch attr {
	case p11.CKA_EC_POINT:
		var inner []byte
		if _, err := asn1.Unmarshal(wantVal, &inner); err == nil && bytes.Equal(value, inner) {
			return true
		}
	case p11.CKA_MODULUS:
		return bytes.Equal(bytes.TrimLeft(value, "\x00"), wantVal)
	}
	return false
}

// keyTypeFor is the CKK_* value of a certificate's public key.
func keyTypeFor(pub crypto.PublicKey) (uint, bool) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return p11.CKK_EC, true
	case *rsa.PublicKey:
		return p11.CKK_RSA, true
	case *gost.PublicKey:
		if k.Curve().Size() == 64 {
			return ckkGOSTR3410_512, true
		}
		return ckkGOSTR3410, true
	}
	return 0, false
}

// findPrivateKey finds the private key of a certificate: by CKA_ID when
// one private key has it, else through the public key object holding the
// same key, else the only private key of the right type. Where several
// key pairs share a CKA_ID (and a label), probe (nil: none) tells the
// candidates apart by a trial signature. The caller holds the token lock.
func (s *session) findPrivateKey(pub crypto.PublicKey, id []byte, probe keyProbe) (p11.ObjectHandle, error) {
	class := p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY)
	if len(id) > 0 {
		hs, err := s.findAll([]*p11.Attribute{class, p11.NewAttribute(p11.CKA_ID, id)})
		if err != nil {
			return 0, err
		}
		if len(hs) == 1 {
			return hs[0], nil
		}
		if len(hs) > 1 {
			s.t.sharedKeyID = true
		}
	}
	attr, _ := publicKeyValue(pub)
	kt, ok := keyTypeFor(pub)
	if !ok || attr == 0 {
		return 0, ErrKeyNotFound
	}
	// A public key object with the certificate's key names the pair.
	pubs, err := s.findAll([]*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PUBLIC_KEY), p11.NewAttribute(p11.CKA_KEY_TYPE, kt)})
	if err != nil {
		return 0, err
	}
	var pubID, pubLabel []byte
	matched := false
	for _, h := range pubs {
		a, err := s.attrs(h, attr, p11.CKA_ID, p11.CKA_LABEL)
		if err != nil {
			return 0, err
		}
		if !publicMatches(pub, attr, a[attr]) {
			continue
		}
		matched, pubID, pubLabel = true, a[p11.CKA_ID], a[p11.CKA_LABEL]
		if len(pubID) > 0 && !bytes.Equal(pubID, id) {
			hs, err := s.findAll([]*p11.Attribute{class, p11.NewAttribute(p11.CKA_ID, pubID)})
			if err != nil {
				return 0, err
			}
			if len(hs) == 1 {
				return hs[0], nil
			}
			if len(hs) > 1 {
				s.t.sharedKeyID = true
			}
		}
		break
	}
	privs, err := s.findAll([]*p11.Attribute{class, p11.NewAttribute(p11.CKA_KEY_TYPE, kt)})
	if err != nil {
		return 0, err
	}
	// A private key holding the public value (RSA modulus; some modules
	// keep the EC point or GOST value too) is the one. Otherwise the
	// candidates are the keys with the ID and label of the matching public
	// key object (empty when the module left them out), or, when the token
	// has no public key objects at all, the keys with the certificate's ID
	// (empty here); only a single candidate is taken, never a guess.
	var cands []p11.ObjectHandle
	for _, h := range privs {
		a, err := s.attrs(h, attr, p11.CKA_ID, p11.CKA_LABEL)
		if err != nil {
			return 0, err
		}
		if publicMatches(pub, attr, a[attr]) {
			return h, nil
		}
		if matched && bytes.Equal(a[p11.CKA_ID], pubID) && bytes.Equal(a[p11.CKA_LABEL], pubLabel) ||
			!matched && len(pubs) == 0 && bytes.Equal(a[p11.CKA_ID], id) {
			cands = append(cands, h)
		}
	}
	if len(cands) == 1 {
		return cands[0], nil
	}
	if len(cands) > 1 && probe != nil {
		for _, h := range cands {
			if probe(s, h) {
				return h, nil
			}
		}
	}
	return 0, ErrKeyNotFound
}
