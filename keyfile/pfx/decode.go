package pfx

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"unicode/utf16"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/keyfile"
)

// Bounds on what a file may ask of the reader. A file beyond them is
// refused as damaged before any key derivation runs.
const (
	// MaxFileSize is the largest PKCS#12 file Decode reads.
	MaxFileSize = 1 << 20
	// MaxIterations bounds every iteration count (PBKDF2, the PKCS#12
	// KDF, CryptoPro's PBE). Real files use 2000.
	MaxIterations = 1 << 20
	maxSaltLen    = 256
	maxBags       = 64
	maxCerts      = 32
)

// iterationLimit is MaxIterations; the fuzz test lowers it so that each
// run stays short.
var iterationLimit int64 = MaxIterations

var (
	explicit0 = cbasn1.Tag(0).Constructed().ContextSpecific()
	implicit0 = cbasn1.Tag(0).ContextSpecific()
)

func damaged(format string, a ...any) error {
	return fmt.Errorf("%w: pfx: %s", keyfile.ErrDamaged, fmt.Sprintf(format, a...))
}

func unsupported(format string, a ...any) error {
	return fmt.Errorf("%w: pfx: %s", keyfile.ErrUnsupported, fmt.Sprintf(format, a...))
}

func wrongPassword(format string, a ...any) error {
	return fmt.Errorf("%w: pfx: %s", keyfile.ErrWrongPassword, fmt.Sprintf(format, a...))
}

// algorithm is a parsed AlgorithmIdentifier: its OID and the DER of its
// parameters (nil when absent).
type algorithm struct {
	oid    asn1.ObjectIdentifier
	params cryptobyte.String
}

func readAlgorithm(s *cryptobyte.String, a *algorithm) bool {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.oid) {
		return false
	}
	a.params = nil
	if !seq.Empty() {
		var p cryptobyte.String
		if !seq.ReadAnyASN1Element(&p, nil) || !seq.Empty() {
			return false
		}
		a.params = p
	}
	return true
}

// readOptionalInteger reads an INTEGER when one comes next, leaving out
// unchanged otherwise.
func readOptionalInteger(s *cryptobyte.String, out *int64) bool {
	if !s.PeekASN1Tag(cbasn1.INTEGER) {
		return true
	}
	return s.ReadASN1Integer(out)
}

// Decode opens a PKCS#12 file (DER) with password and returns its private
// key and certificates. It reads the GOST profiles of R 50.1.112-2016 and
// RFC 9548 (PBES2 with GOST 28147-89 CFB or Kuznyechik/Magma CTR-ACPKM),
// what OpenSSL's GOST engine writes, and the PFX that CryptoPro CSP
// exports. The integrity MAC is checked before anything is decrypted; a
// MAC that does not match is keyfile.ErrWrongPassword, since PKCS#12
// cannot tell a wrong password from a modified file.
func Decode(data []byte, password string) (*keyfile.Contents, error) {
	content, macData, hasMAC, err := outer(data)
	if err != nil {
		return nil, err
	}
	if hasMAC {
		if err := verifyMAC(macData, content, password); err != nil {
			return nil, err
		}
	}
	r := reader{password: password, macChecked: hasMAC}
	defer r.wipe()
	if err := r.authenticatedSafe(content); err != nil {
		return nil, err
	}
	if r.key == nil {
		if r.skipped != nil {
			return nil, r.skipped
		}
		return nil, damaged("no private key in the file")
	}
	if r.cryptoPro && len(r.certs) > 0 && !anyMatches(r.key, r.certs) {
		// CryptoPro's blob has no integrity check of its own for every key
		// size: a key that fits none of the file's certificates comes from
		// a wrong password.
		return nil, wrongPassword("CryptoPro key does not match the certificate")
	}
	c := &keyfile.Contents{Key: r.key, Name: r.name}
	r.key = nil
	c.Certificates = orderCertificates(c.Key, r.certs)
	return c, nil
}

// Inspect checks, without the password, what can be checked of a
// PKCS#12 file before anything is decrypted: its size, the outer DER
// structure, the version and the integrity mode, and that the
// AuthenticatedSafe is a DER sequence of ContentInfos. A truncated file or
// one that is not PKCS#12 is keyfile.ErrDamaged, a version or mode not
// read keyfile.ErrUnsupported. A file Inspect accepts may still fail to
// open: a changed byte inside shows only as a MAC that does not match,
// which Decode reports as a wrong password.
func Inspect(data []byte) error {
	content, _, _, err := outer(data)
	if err != nil {
		return err
	}
	var seq cryptobyte.String
	if !content.ReadASN1(&seq, cbasn1.SEQUENCE) || !content.Empty() {
		return damaged("bad AuthenticatedSafe")
	}
	for !seq.Empty() {
		var ci, body cryptobyte.String
		var ctype asn1.ObjectIdentifier
		if !seq.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ctype) ||
			!ci.ReadASN1(&body, explicit0) || !ci.Empty() {
			return damaged("bad ContentInfo")
		}
	}
	return nil
}

// outer reads the PFX around the AuthenticatedSafe: its content and the
// MacData when there is one.
func outer(data []byte) (content, macData cryptobyte.String, hasMAC bool, err error) {
	if len(data) > MaxFileSize {
		return nil, nil, false, damaged("file of %d bytes exceeds %d", len(data), MaxFileSize)
	}
	in := cryptobyte.String(data)
	var pfx, authSafe cryptobyte.String
	var version int64
	var ctype asn1.ObjectIdentifier
	if !in.ReadASN1(&pfx, cbasn1.SEQUENCE) || !in.Empty() ||
		!pfx.ReadASN1Integer(&version) ||
		!pfx.ReadASN1(&authSafe, cbasn1.SEQUENCE) ||
		!pfx.ReadOptionalASN1(&macData, &hasMAC, cbasn1.SEQUENCE) || !pfx.Empty() {
		return nil, nil, false, damaged("not a DER PKCS#12 PFX")
	}
	if version != 3 {
		return nil, nil, false, unsupported("PFX version %d", version)
	}
	if !authSafe.ReadASN1ObjectIdentifier(&ctype) {
		return nil, nil, false, damaged("bad authSafe")
	}
	if !ctype.Equal(oidData) {
		return nil, nil, false, unsupported("authSafe content type %v (public-key integrity mode)", ctype)
	}
	var inner cryptobyte.String
	if !authSafe.ReadASN1(&inner, explicit0) || !authSafe.Empty() ||
		!inner.ReadASN1(&content, cbasn1.OCTET_STRING) || !inner.Empty() {
		return nil, nil, false, damaged("bad authSafe content")
	}
	return content, macData, hasMAC, nil
}

// reader collects the bags of one file.
type reader struct {
	password   string
	macChecked bool
	cryptoPro  bool // the key came from CryptoPro's own PBE
	key        *gost.PrivateKey
	name       string
	certs      [][]byte
	bags       int
	skipped    error    // an EncryptedData left out as unsupported
	scratch    [][]byte // decrypted buffers to wipe
}

func (r *reader) wipe() {
	for _, b := range r.scratch {
		clear(b)
	}
	r.scratch = nil
	if r.key != nil {
		r.key.Wipe()
		r.key = nil
	}
}

// decryptFailed classifies a failure to decrypt or parse decrypted data:
// a wrong password when no MAC vouched for it, damage otherwise.
func (r *reader) decryptFailed(what string, err error) error {
	if errors.Is(err, keyfile.ErrUnsupported) {
		return err
	}
	if r.macChecked {
		return fmt.Errorf("%w: pfx: %s: %v", keyfile.ErrDamaged, what, err)
	}
	return fmt.Errorf("%w: pfx: %s: %v", keyfile.ErrWrongPassword, what, err)
}

func (r *reader) authenticatedSafe(content cryptobyte.String) error {
	var seq cryptobyte.String
	if !content.ReadASN1(&seq, cbasn1.SEQUENCE) || !content.Empty() {
		return damaged("bad AuthenticatedSafe")
	}
	for !seq.Empty() {
		var ci, body cryptobyte.String
		var ctype asn1.ObjectIdentifier
		if !seq.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ctype) ||
			!ci.ReadASN1(&body, explicit0) || !ci.Empty() {
			return damaged("bad ContentInfo")
		}
		switch {
		case ctype.Equal(oidData):
			var octets cryptobyte.String
			if !body.ReadASN1(&octets, cbasn1.OCTET_STRING) || !body.Empty() {
				return damaged("bad data ContentInfo")
			}
			if err := r.safeContents(octets); err != nil {
				return err
			}
		case ctype.Equal(oidEncryptedData):
			plain, err := r.encryptedData(body)
			if errors.Is(err, keyfile.ErrUnsupported) {
				// Certificates under a scheme not implemented (CryptoPro
				// CSP may use RC2 for them) are left out; the key is
				// enough, and a file where it is missing fails below.
				r.skipped = err
				continue
			}
			if err != nil {
				return err
			}
			if err := r.safeContents(plain); err != nil {
				return r.decryptFailed("encrypted SafeContents", err)
			}
		default:
			return unsupported("ContentInfo type %v", ctype)
		}
	}
	return nil
}

// encryptedData decrypts an EncryptedData (PKCS#7) holding SafeContents.
func (r *reader) encryptedData(body cryptobyte.String) ([]byte, error) {
	var ed, eci cryptobyte.String
	var version int64
	var ctype asn1.ObjectIdentifier
	var alg algorithm
	var ct []byte
	if !body.ReadASN1(&ed, cbasn1.SEQUENCE) || !body.Empty() ||
		!ed.ReadASN1Integer(&version) || !ed.ReadASN1(&eci, cbasn1.SEQUENCE) ||
		!eci.ReadASN1ObjectIdentifier(&ctype) || !readAlgorithm(&eci, &alg) {
		return nil, damaged("bad EncryptedData")
	}
	var enc cryptobyte.String
	var present bool
	if !eci.ReadOptionalASN1(&enc, &present, implicit0) || !present {
		return nil, damaged("EncryptedData without content")
	}
	ct = enc
	plain, err := r.decrypt(alg, ct, plausibleSafeContents)
	if err != nil {
		return nil, r.decryptFailed("EncryptedData", err)
	}
	return plain, nil
}

func (r *reader) decrypt(alg algorithm, ct []byte, valid func([]byte) bool) ([]byte, error) {
	var plain []byte
	var err error
	switch {
	case alg.oid.Equal(oidPBES2):
		plain, err = pbes2Decrypt(alg.params, ct, r.password, valid)
	case alg.oid.Equal(oidPBEWithSHA3DES):
		plain, err = pkcs12PBEDecrypt(alg.params, ct, r.password)
	default:
		return nil, unsupported("encryption scheme %v", alg.oid)
	}
	if err != nil {
		return nil, err
	}
	r.scratch = append(r.scratch, plain)
	return plain, nil
}

func (r *reader) safeContents(data []byte) error {
	in := cryptobyte.String(data)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return damaged("bad SafeContents")
	}
	for !seq.Empty() {
		r.bags++
		if r.bags > maxBags {
			return damaged("more than %d bags", maxBags)
		}
		var bag, value, attrs cryptobyte.String
		var bagID asn1.ObjectIdentifier
		var hasAttrs bool
		if !seq.ReadASN1(&bag, cbasn1.SEQUENCE) || !bag.ReadASN1ObjectIdentifier(&bagID) ||
			!bag.ReadASN1(&value, explicit0) ||
			!bag.ReadOptionalASN1(&attrs, &hasAttrs, cbasn1.SET) || !bag.Empty() {
			return damaged("bad SafeBag")
		}
		switch {
		case bagID.Equal(oidShroudedKeyBag), bagID.Equal(oidKeyBag):
			if r.key != nil {
				return unsupported("more than one private key in the file")
			}
			key, err := r.keyBag(bagID.Equal(oidShroudedKeyBag), value)
			if err != nil {
				return err
			}
			r.key = key
			if hasAttrs {
				r.name = friendlyName(attrs)
			}
		case bagID.Equal(oidCertBag):
			if err := r.certBag(value); err != nil {
				return err
			}
		default:
			// CRL, secret and nested bags carry nothing Zavera uses.
		}
	}
	return nil
}

func (r *reader) keyBag(shrouded bool, value cryptobyte.String) (*gost.PrivateKey, error) {
	var der []byte
	if !shrouded {
		if !value.ReadAnyASN1Element((*cryptobyte.String)(&der), nil) || !value.Empty() {
			return nil, damaged("bad keyBag")
		}
		return parsePKCS8(der, r.macChecked)
	}
	var epki, ct cryptobyte.String
	var alg algorithm
	if !value.ReadASN1(&epki, cbasn1.SEQUENCE) || !value.Empty() ||
		!readAlgorithm(&epki, &alg) || !epki.ReadASN1(&ct, cbasn1.OCTET_STRING) || !epki.Empty() {
		return nil, damaged("bad EncryptedPrivateKeyInfo")
	}
	if alg.oid.Equal(oidPBECryptoProGOST) {
		key, err := cryptoProKeyBag(alg.params, ct, r.password)
		if err != nil {
			return nil, r.decryptFailed("CryptoPro key bag", err)
		}
		r.cryptoPro = true
		return key, nil
	}
	plain, err := r.decrypt(alg, ct, plausiblePKCS8)
	if err != nil {
		return nil, r.decryptFailed("key bag", err)
	}
	return parsePKCS8(plain, r.macChecked)
}

func parsePKCS8(der []byte, macChecked bool) (*gost.PrivateKey, error) {
	key, err := gost.ParsePKCS8PrivateKey(der)
	if err == nil {
		return key, nil
	}
	if errors.Is(err, gost.ErrUnknownParamSet) {
		return nil, fmt.Errorf("%w: pfx: private key: %v", keyfile.ErrUnsupported, err)
	}
	if !macChecked {
		return nil, fmt.Errorf("%w: pfx: private key: %v", keyfile.ErrWrongPassword, err)
	}
	return nil, fmt.Errorf("%w: pfx: private key: %v", keyfile.ErrDamaged, err)
}

func (r *reader) certBag(value cryptobyte.String) error {
	var cb, certValue, der cryptobyte.String
	var certID asn1.ObjectIdentifier
	if !value.ReadASN1(&cb, cbasn1.SEQUENCE) || !value.Empty() ||
		!cb.ReadASN1ObjectIdentifier(&certID) || !cb.ReadASN1(&certValue, explicit0) || !cb.Empty() {
		return damaged("bad CertBag")
	}
	if !certID.Equal(oidX509Cert) {
		return nil // SDSI certificates: nothing to use
	}
	if !certValue.ReadASN1(&der, cbasn1.OCTET_STRING) || !certValue.Empty() {
		return damaged("bad x509Certificate in CertBag")
	}
	if len(r.certs) >= maxCerts {
		return damaged("more than %d certificates", maxCerts)
	}
	r.certs = append(r.certs, append([]byte(nil), der...))
	return nil
}

// plausiblePKCS8 tells whether der is a GOST PrivateKeyInfo.
func plausiblePKCS8(der []byte) bool {
	k, err := gost.ParsePKCS8PrivateKey(der)
	if err != nil {
		return false
	}
	k.Wipe()
	return true
}

// plausibleSafeContents tells whether data is well-formed SafeContents
// whose certificates parse.
func plausibleSafeContents(data []byte) bool {
	in := cryptobyte.String(data)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return false
	}
	for !seq.Empty() {
		var bag, value, attrs, cb, certValue, der cryptobyte.String
		var bagID, certID asn1.ObjectIdentifier
		var hasAttrs bool
		if !seq.ReadASN1(&bag, cbasn1.SEQUENCE) || !bag.ReadASN1ObjectIdentifier(&bagID) ||
			!bag.ReadASN1(&value, explicit0) ||
			!bag.ReadOptionalASN1(&attrs, &hasAttrs, cbasn1.SET) || !bag.Empty() {
			return false
		}
		if !bagID.Equal(oidCertBag) {
			continue
		}
		if !value.ReadASN1(&cb, cbasn1.SEQUENCE) || !cb.ReadASN1ObjectIdentifier(&certID) ||
			!cb.ReadASN1(&certValue, explicit0) {
			return false
		}
		if certID.Equal(oidX509Cert) {
			if !certValue.ReadASN1(&der, cbasn1.OCTET_STRING) {
				return false
			}
			if _, err := x509.ParseCertificate(der); err != nil {
				return false
			}
		}
	}
	return true
}

// friendlyName returns the friendlyName attribute (a BMPString) of a bag,
// "" when there is none or it is malformed.
func friendlyName(attrs cryptobyte.String) string {
	for !attrs.Empty() {
		var attr, values cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, cbasn1.SET) {
			return ""
		}
		if !oid.Equal(oidFriendlyName) {
			continue
		}
		var bmp cryptobyte.String
		if !values.ReadASN1(&bmp, cbasn1.Tag(30)) || len(bmp)%2 != 0 {
			return ""
		}
		u := make([]uint16, len(bmp)/2)
		for i := range u {
			u[i] = uint16(bmp[2*i])<<8 | uint16(bmp[2*i+1])
		}
		return string(utf16.Decode(u))
	}
	return ""
}

// orderCertificates puts the certificate whose public key is key's first,
// the others after it in file order.
func orderCertificates(key *gost.PrivateKey, certs [][]byte) [][]byte {
	for i, der := range certs {
		if certMatches(key, der) {
			out := make([][]byte, 0, len(certs))
			out = append(out, der)
			out = append(out, certs[:i]...)
			return append(out, certs[i+1:]...)
		}
	}
	return certs
}

func anyMatches(key *gost.PrivateKey, certs [][]byte) bool {
	for _, der := range certs {
		if certMatches(key, der) {
			return true
		}
	}
	return false
}

func certMatches(key *gost.PrivateKey, der []byte) bool {
	pub := certPublicKey(der)
	return pub != nil && pub.Equal(key.PublicKey())
}

func certPublicKey(der []byte) *gost.PublicKey {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	pub, err := gost.ParsePKIXPublicKey(cert.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil
	}
	return pub
}
