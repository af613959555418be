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
//     a little-endian CryptoAPI ALG_ID such as 0xAA46 for a GOST 2012-256
//     exchange key or 0xAA42 for 2012-512) followed by
//     SEQUENCE { SEQUENCE { ukm OCTET STRING, SEQUENCE { encrypted key,
//     mac }, key parameters }, OCTET STRING };
//   - for GOST 2012 keys, KEK = KDF_GOSTR3411_2012_256(K, 26 BD B8 78,
//     ukm), and the encrypted key decrypts with GOST 28147-89 ECB under it
//     (S-box CryptoPro-A) into LE(d);
//   - for GOST R 34.10-2001 keys, the encrypted key is unwrapped with the
//     CryptoPro key wrap of RFC 4357 (KEK diversification by the ukm).
//
// The result is checked against the certificate in the file when there is
// one: a key that does not match its certificate is a wrong password.

var cryptoProLabel = []byte{0x26, 0xbd, 0xb8, 0x78}

// CryptoAPI algorithm identifiers of GOST keys in CryptoPro key blobs (the
// signature key and the exchange keys of each kind).
const (
	calgGR3410EL             = 0x2e23
	calgDHELSF               = 0xaa24
	calgDHELEphem            = 0xaa25
	calgGR3410_12_256        = 0x2e49
	calgDHGR3410_12_256SF    = 0xaa46
	calgDHGR3410_12_256Ephem = 0xaa47
	calgGR3410_12_512        = 0x2e3d
	calgDHGR3410_12_512SF    = 0xaa42
	calgDHGR3410_12_512Ephem = 0xaa43
)

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
	algID := uint16(blob[4]) | uint16(blob[5])<<8
	size, gost2001 := 0, false
	switch algID {
	case calgGR3410_12_256, calgDHGR3410_12_256SF, calgDHGR3410_12_256Ephem:
		size = 32
	case calgGR3410_12_512, calgDHGR3410_12_512SF, calgDHGR3410_12_512Ephem:
		size = 64
	case calgGR3410EL, calgDHELSF, calgDHELEphem:
		size, gost2001 = 32, true
	default:
		return nil, unsupported("CryptoPro key blob algorithm %04x", algID)
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
	raw, err := cryptoProUnwrap(k, ukm, enc, mac, gost2001)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	key, err := gost.NewPrivateKey(curve, raw)
	if err != nil {
		return nil, errBlob
	}
	return key, nil
}

// cryptoProUnwrap recovers LE(d) from the encrypted key of the blob.
func cryptoProUnwrap(k, ukm, enc, mac []byte, gost2001 bool) ([]byte, error) {
	if gost2001 {
		// GOST R 34.10-2001 keys: the CryptoPro key wrap of RFC 4357
		// (6.4, KEK diversification of 6.5) under K. Its MAC is the only
		// check that this reading of the blob is right: a mismatch is
		// reported as unsupported rather than as a damaged file.
		w := make([]byte, 0, magma.WrappedKeySize)
		w = append(append(append(w, ukm...), enc...), mac...)
		raw, err := magma.UnwrapCryptoPro(k, w, &magma.SBoxCryptoProA)
		if err != nil {
			return nil, unsupported("CryptoPro GOST 2001 key blob: %v", err)
		}
		return raw, nil
	}
	kek := kdf.KDF256(k, cryptoProLabel, ukm)
	defer clear(kek)
	c, err := magma.NewCipher(kek, &magma.SBoxCryptoProA)
	if err != nil {
		return nil, errBlob
	}
	raw := make([]byte, len(enc))
	magma.NewECBDecrypter(c).CryptBlocks(raw, enc)
	if len(enc) == 32 {
		// A 256-bit key carries the RFC 4357 key-wrap MAC (6.1): check it.
		// For 512-bit keys the certificate check in Decode stands in.
		w := make([]byte, 0, magma.WrappedKeySize)
		w = append(append(append(w, ukm...), enc...), mac...)
		if _, err := magma.Unwrap28147(kek, w, &magma.SBoxCryptoProA); err != nil {
			clear(raw)
			return nil, errBlob
		}
	}
	return raw, nil
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
