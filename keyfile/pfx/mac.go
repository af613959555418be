package pfx

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/asn1"
	"hash"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/gost/gostr341194"
	"github.com/zavera/zavera/gost/streebog"
)

// macDigest is a digest the MacData of a PFX may name.
type macDigest struct {
	oid  asn1.ObjectIdentifier
	new  func() hash.Hash
	gost bool // key from PBKDF2 (R 50.1.112-2016, RFC 9548), else the PKCS#12 KDF
}

var macDigests = []macDigest{
	{oidStreebog512, streebog.New512, true},
	{oidStreebog256, streebog.New256, true},
	{oidGOST341194, gostr341194.NewCryptoPro, true},
	{oidSHA1, sha1.New, false},
	{oidSHA256, sha256.New, false},
}

func findMACDigest(oid asn1.ObjectIdentifier) *macDigest {
	for i := range macDigests {
		if macDigests[i].oid.Equal(oid) {
			return &macDigests[i]
		}
	}
	return nil
}

// gostMACKeyLen: the GOST profiles derive 96 bytes with PBKDF2 and key
// the HMAC with the last 32 (R 50.1.112-2016; RFC 9548, section 3).
const gostMACKeyLen = 96

// macKey derives the HMAC key of a PFX's MacData.
func macKey(d *macDigest, password string, salt []byte, iter int) ([]byte, error) {
	if d.gost {
		k, err := pbkdf2Key(d.oid.Equal(oidStreebog512), d.new, password, salt, iter, gostMACKeyLen)
		if err != nil {
			return nil, err
		}
		key := append([]byte(nil), k[gostMACKeyLen-32:]...)
		clear(k)
		return key, nil
	}
	pass := bmpPassword(password)
	defer clear(pass)
	return pkcs12KDF(d.new, pass, salt, 3, iter, d.new().Size())
}

// computeMAC returns the HMAC of the AuthenticatedSafe octets.
func computeMAC(d *macDigest, password string, salt []byte, iter int, content []byte) ([]byte, error) {
	key, err := macKey(d, password, salt, iter)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	m := hmac.New(d.new, key)
	m.Write(content)
	return m.Sum(nil), nil
}

// verifyMAC checks the MacData of a PFX over the AuthenticatedSafe
// octets. A mismatch is a wrong password.
func verifyMAC(macData cryptobyte.String, content []byte, password string) error {
	var di, digest, salt cryptobyte.String
	var alg algorithm
	iter := int64(1)
	if !macData.ReadASN1(&di, cbasn1.SEQUENCE) || !readAlgorithm(&di, &alg) ||
		!di.ReadASN1(&digest, cbasn1.OCTET_STRING) || !di.Empty() ||
		!macData.ReadASN1(&salt, cbasn1.OCTET_STRING) ||
		!readOptionalInteger(&macData, &iter) || !macData.Empty() {
		return damaged("bad MacData")
	}
	if iter < 1 || iter > iterationLimit || len(salt) > maxSaltLen {
		return damaged("MacData iterations %d, salt %d bytes out of bounds", iter, len(salt))
	}
	d := findMACDigest(alg.oid)
	if d == nil {
		return unsupported("MAC digest %v", alg.oid)
	}
	mac, err := computeMAC(d, password, salt, int(iter), content)
	if err != nil {
		return damaged("MAC: %v", err)
	}
	if len(mac) != len(digest) || subtle.ConstantTimeCompare(mac, digest) != 1 {
		return wrongPassword("MAC mismatch")
	}
	return nil
}
