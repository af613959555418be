package pfx

import (
	"encoding/asn1"
	"errors"
	"unicode/utf16"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/gostr341194"
	"github.com/zavera/zavera/gost/kdf"
	"github.com/zavera/zavera/gost/magma"
)

// CryptoPro CSP exports a key into a PFX with its own scheme, PBE OID
// 1.2.840.113549.1.12.1.80 with parameters SEQUENCE { salt OCTET STRING,
// iterations INTEGER }. The format is not published; the facts below are
// those of the public analyses of it:
//
//   - K = UTF-16LE(password); then for i = 1..iterations,
//     K = GOST R 34.11-94 (CryptoPro parameters) of K ‖ salt ‖ BE16(i);
//   - the bag decrypts with GOST 28147-89 CFB under K, IV = salt[:8],
//     S-box CryptoPro-A, into SEQUENCE { INTEGER, ANY, OCTET STRING blob };
//   - blob = a 16-byte key blob header (bytes 4..5: the key's algorithm,
//     46 AA for GOST 2012-256, 42 AA for 2012-512) followed by
//     SEQUENCE { SEQUENCE { ukm OCTET STRING, SEQUENCE { encrypted key,
//     mac }, key parameters }, OCTET STRING };
//   - KEK = KDF_GOSTR3411_2012_256(K, 26 BD B8 78, ukm), and each 32-byte
//     half of the encrypted key decrypts with GOST 28147-89 ECB under it
//     (S-box CryptoPro-A) into LE(d).
//
// The result is checked against the certificate in the file when there is
// one: a key that does not match its certificate is a wrong password.

var cryptoProLabel = []byte{0x26, 0xbd, 0xb8, 0x78}

const maxCryptoProIterations = 0xffff // the counter is two bytes

// cryptoProKey derives K from the password.
func cryptoProKey(password string, salt []byte, iter int) []byte {
	u := utf16.Encode([]rune(password))
	k := make([]byte, 0, 2*len(u))
	for _, c := range u {
		k = append(k, byte(c), byte(c>>8))
	}
	h := gostr341194.NewCryptoPro()
	for i := 1; i <= iter; i++ {
		h.Reset()
		h.Write(k)
		h.Write(salt)
		h.Write([]byte{byte(i >> 8), byte(i)})
		clear(k)
		k = h.Sum(k[:0])
	}
	return k
}

func cryptoProKeyBag(params cryptobyte.String, ct []byte, password string) (*gost.PrivateKey, error) {
	var seq, salt cryptobyte.String
	var iter int64
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() ||
		!seq.ReadASN1(&salt, cbasn1.OCTET_STRING) || !seq.ReadASN1Integer(&iter) || !seq.Empty() {
		return nil, damaged("bad CryptoPro PBE parameters")
	}
	if len(salt) < magma.BlockSize || len(salt) > maxSaltLen {
		return nil, damaged("CryptoPro PBE salt of %d bytes", len(salt))
	}
	if iter < 1 || iter > min(maxCryptoProIterations, iterationLimit) {
		return nil, damaged("CryptoPro PBE iterations %d out of bounds", iter)
	}
	if len(ct) > 4096 {
		return nil, damaged("CryptoPro key bag of %d bytes", len(ct))
	}
	k := cryptoProKey(password, salt, int(iter))
	defer clear(k)
	c, err := magma.NewCipher(k, &magma.SBoxCryptoProA)
	if err != nil {
		return nil, damaged("CryptoPro PBE key: %v", err)
	}
	s, err := magma.NewCFBDecrypter(c, salt[:magma.BlockSize], magma.NoMeshing)
	if err != nil {
		return nil, damaged("CryptoPro PBE: %v", err)
	}
	plain := make([]byte, len(ct))
	defer clear(plain)
	s.XORKeyStream(plain, ct)
	return cryptoProBlob(plain, k)
}

// errBlob: the decrypted key blob is not well formed, the mark of a wrong
// password when no MAC vouched for the file.
var errBlob = errors.New("malformed CryptoPro key blob")

func cryptoProBlob(plain, k []byte) (*gost.PrivateKey, error) {
	in := cryptobyte.String(plain)
	var seq, skip, blob cryptobyte.String
	var version int64
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&version) ||
		!seq.ReadAnyASN1Element(&skip, nil) || !seq.ReadASN1(&blob, cbasn1.OCTET_STRING) {
		return nil, errBlob
	}
	const headerSize = 16
	if len(blob) < headerSize {
		return nil, errBlob
	}
	size := 0
	switch {
	case blob[4] == 0x46 && blob[5] == 0xaa:
		size = 32
	case blob[4] == 0x42 && blob[5] == 0xaa:
		size = 64
	default:
		return nil, unsupported("CryptoPro key blob algorithm %02x%02x", blob[4], blob[5])
	}
	body := cryptobyte.String(blob[headerSize:])
	var outer, inner, ukm, cek, enc, mac, keyParams cryptobyte.String
	if !body.ReadASN1(&outer, cbasn1.SEQUENCE) || !outer.ReadASN1(&inner, cbasn1.SEQUENCE) ||
		!inner.ReadASN1(&ukm, cbasn1.OCTET_STRING) || !inner.ReadASN1(&cek, cbasn1.SEQUENCE) ||
		!cek.ReadASN1(&enc, cbasn1.OCTET_STRING) || !cek.ReadASN1(&mac, cbasn1.OCTET_STRING) ||
		!inner.ReadAnyASN1Element(&keyParams, nil) {
		return nil, errBlob
	}
	if len(ukm) != magma.UKMSize || len(enc) != size {
		return nil, errBlob
	}
	curve, err := cryptoProCurve(keyParams)
	if err != nil {
		return nil, err
	}
	if curve.Size() != size {
		return nil, errBlob
	}
	kek := kdf.KDF256(k, cryptoProLabel, ukm)
	defer clear(kek)
	c, err := magma.NewCipher(kek, &magma.SBoxCryptoProA)
	if err != nil {
		return nil, errBlob
	}
	raw := make([]byte, size)
	defer clear(raw)
	magma.NewECBDecrypter(c).CryptBlocks(raw, enc)
	if size == 32 {
		// A 256-bit key carries the RFC 4357 key-wrap MAC: check it.
		w := make([]byte, 0, magma.WrappedKeySize)
		w = append(append(append(w, ukm...), enc...), mac...)
		if _, err := magma.Unwrap28147(kek, w, &magma.SBoxCryptoProA); err != nil {
			return nil, errBlob
		}
	}
	key, err := gost.NewPrivateKey(curve, raw)
	if err != nil {
		return nil, errBlob
	}
	return key, nil
}

// cryptoProCurve reads the key parameters of the blob:
// [0] { BIT STRING attributes, [0] { key algorithm OID,
// SEQUENCE { curve OID, digest OID } } }.
func cryptoProCurve(params cryptobyte.String) (*gost.Curve, error) {
	ctx0 := cbasn1.Tag(0).Constructed().ContextSpecific()
	var p, alg, set cryptobyte.String
	var attrs asn1.BitString
	var algOID, curveOID asn1.ObjectIdentifier
	if !params.ReadASN1(&p, ctx0) || !p.ReadASN1BitString(&attrs) ||
		!p.ReadASN1(&alg, ctx0) || !alg.ReadASN1ObjectIdentifier(&algOID) ||
		!alg.ReadASN1(&set, cbasn1.SEQUENCE) || !set.ReadASN1ObjectIdentifier(&curveOID) {
		return nil, errBlob
	}
	c, err := gost.CurveByOID(curveOID)
	if err != nil {
		return nil, unsupported("CryptoPro key parameter set %v", curveOID)
	}
	return c, nil
}
