package pfx

import (
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"hash"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/gost/blockmode"
	"github.com/zavera/zavera/gost/kdf"
	"github.com/zavera/zavera/gost/kuznyechik"
	"github.com/zavera/zavera/gost/magma"
	"github.com/zavera/zavera/gost/streebog"
)

// PBES2 (RFC 8018, 6.2) as the GOST profiles use it: PBKDF2 derives a
// 32-byte key from the UTF-8 password, and the key encrypts with
//   - GOST 28147-89 in CFB mode with CryptoPro key meshing, parameters
//     SEQUENCE { iv OCTET STRING (8), encryptionParamSet OID }
//     (R 50.1.112-2016, what OpenSSL's GOST engine writes for gost89);
//   - Kuznyechik or Magma in CTR-ACPKM (RFC 9337, 7.3), parameters
//     SEQUENCE { ukm OCTET STRING (16 or 12) } whose first half block is
//     the CTR IV;
//   - the same with OMAC (see omacScheme), whose ciphertext is one block
//     longer than the plaintext.
// None of these modes pads.

// prf is a PBKDF2 pseudorandom function.
type prf struct {
	oid asn1.ObjectIdentifier
	new func() hash.Hash
}

var prfs = []prf{
	{oidHMACStreebog512, streebog.New512},
	{oidHMACStreebog256, streebog.New256},
	{oidHMACSHA256, sha256.New},
	{oidHMACSHA512, sha512.New},
	{oidHMACSHA1, sha1.New},
}

const gostKeySize = 32

// Section sizes of CTR-ACPKM in PBES2. RFC 9337 sets 256 KiB for
// Kuznyechik and 8 KiB for Magma; OpenSSL's GOST engine changes the key
// every 4096 bytes (Kuznyechik) and 1024 bytes (Magma). Both agree on
// anything shorter than the engine's sections, which a key bag always is;
// a longer certificate bag is read with the RFC's sizes, then with the
// engine's if that does not give well-formed contents. Encode uses the
// RFC's.
type sections struct{ kuznyechik, magma int }

var (
	rfcSections    = sections{256 << 10, 8 << 10}
	engineSections = sections{4096, 1024}
)

func (s sections) of(blockSize int) int {
	if blockSize == kuznyechik.BlockSize {
		return s.kuznyechik
	}
	return s.magma
}

// pbes2Params is a parsed PBES2 parameter set.
type pbes2Params struct {
	salt   []byte
	iter   int
	prf    *prf
	cipher algorithm
}

func parsePBES2(params cryptobyte.String) (*pbes2Params, error) {
	var seq cryptobyte.String
	var kdf algorithm
	p := &pbes2Params{}
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() ||
		!readAlgorithm(&seq, &kdf) || !readAlgorithm(&seq, &p.cipher) || !seq.Empty() {
		return nil, damaged("bad PBES2 parameters")
	}
	if !kdf.oid.Equal(oidPBKDF2) {
		return nil, unsupported("PBES2 key derivation %v", kdf.oid)
	}
	var kp, salt cryptobyte.String
	var iter int64
	keyLen := int64(gostKeySize)
	if !kdf.params.ReadASN1(&kp, cbasn1.SEQUENCE) || !kdf.params.Empty() ||
		!kp.ReadASN1(&salt, cbasn1.OCTET_STRING) || !kp.ReadASN1Integer(&iter) ||
		!readOptionalInteger(&kp, &keyLen) {
		return nil, damaged("bad PBKDF2 parameters")
	}
	if iter < 1 || iter > iterationLimit || len(salt) > maxSaltLen {
		return nil, damaged("PBKDF2 iterations %d, salt %d bytes out of bounds", iter, len(salt))
	}
	if keyLen != gostKeySize {
		return nil, unsupported("PBKDF2 key length %d", keyLen)
	}
	p.salt, p.iter = salt, int(iter)
	p.prf = &prfs[len(prfs)-1] // hmacWithSHA1 by default
	if !kp.Empty() {
		var a algorithm
		if !readAlgorithm(&kp, &a) || !kp.Empty() {
			return nil, damaged("bad PBKDF2 PRF")
		}
		p.prf = nil
		for i := range prfs {
			if prfs[i].oid.Equal(a.oid) {
				p.prf = &prfs[i]
			}
		}
		if p.prf == nil {
			return nil, unsupported("PBKDF2 PRF %v", a.oid)
		}
	}
	return p, nil
}

// deriveKey runs PBKDF2 over the UTF-8 password.
func (p *pbes2Params) deriveKey(password string) ([]byte, error) {
	k, err := pbkdf2Key(p.prf.oid.Equal(oidHMACStreebog512), p.prf.new, password, p.salt, p.iter, gostKeySize)
	if err != nil {
		return nil, damaged("PBKDF2: %v", err)
	}
	return k, nil
}

// stream returns the cipher stream of the encryption scheme under key.
func (p *pbes2Params) stream(key []byte, decrypt bool, sec sections) (cipher.Stream, error) {
	a := p.cipher
	switch {
	case a.oid.Equal(oidGOST28147):
		var seq, iv cryptobyte.String
		var set asn1.ObjectIdentifier
		if !a.params.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&iv, cbasn1.OCTET_STRING) ||
			!seq.ReadASN1ObjectIdentifier(&set) || !seq.Empty() || len(iv) != magma.BlockSize {
			return nil, damaged("bad GOST 28147-89 parameters")
		}
		sbox, err := magma.SBoxByOID(set)
		if err != nil {
			return nil, unsupported("GOST 28147-89 parameter set %v", set)
		}
		c, err := magma.NewCipher(key, sbox)
		if err != nil {
			return nil, damaged("GOST 28147-89 key: %v", err)
		}
		mesh := magma.CryptoProMeshing
		if sbox == &magma.SBox28147Test {
			mesh = magma.NoMeshing
		}
		if decrypt {
			return magma.NewCFBDecrypter(c, iv, mesh)
		}
		return magma.NewCFBEncrypter(c, iv, mesh)
	case a.oid.Equal(oidKuznyechikCTRACPKM):
		ukm, err := ctrACPKMUKM(a.params, kuznyechik.BlockSize)
		if err != nil {
			return nil, err
		}
		return blockmode.NewCTRACPKM(kuznyechik.NewCipher, key, ukm[:kuznyechik.BlockSize/2], sec.kuznyechik)
	case a.oid.Equal(oidMagmaCTRACPKM):
		ukm, err := ctrACPKMUKM(a.params, magma.BlockSize)
		if err != nil {
			return nil, err
		}
		return blockmode.NewCTRACPKM(newMagma, key, ukm[:magma.BlockSize/2], sec.magma)
	case a.oid.Equal(oidKuznyechikCTRACPKMOM), a.oid.Equal(oidMagmaCTRACPKMOMAC):
		return nil, errOMACScheme
	}
	return nil, unsupported("PBES2 cipher %v", a.oid)
}

// errOMACScheme: the scheme is a CTR-ACPKM-OMAC one, which is not a plain
// stream (see omacScheme).
var errOMACScheme = errors.New("pfx: CTR-ACPKM-OMAC is not a stream")

// omacScheme is CTR-ACPKM-OMAC (RFC 9337, 5.1): KDF_TREE_GOSTR3411_2012_256
// of the PBKDF2 key with label "kdf tree", seed = the last 8 bytes of the
// ukm and R = 1 gives 64 bytes, the encryption key then the MAC key; the
// plaintext followed by its OMAC (a full block) under the MAC key is
// encrypted in CTR-ACPKM under the encryption key with the IV of the ukm.
type omacScheme struct {
	newCipher blockmode.NewCipherFunc
	blockSize int
	ukm       []byte
}

func (p *pbes2Params) omac() (*omacScheme, bool, error) {
	a := p.cipher
	var s omacScheme
	switch {
	case a.oid.Equal(oidKuznyechikCTRACPKMOM):
		s = omacScheme{kuznyechik.NewCipher, kuznyechik.BlockSize, nil}
	case a.oid.Equal(oidMagmaCTRACPKMOMAC):
		s = omacScheme{newMagma, magma.BlockSize, nil}
	default:
		return nil, false, nil
	}
	ukm, err := ctrACPKMUKM(a.params, s.blockSize)
	if err != nil {
		return nil, true, err
	}
	s.ukm = ukm
	return &s, true, nil
}

// keys returns the stream and the MAC of the scheme under the PBKDF2 key.
func (s *omacScheme) keys(key []byte, sec sections) (cipher.Stream, hash.Hash, error) {
	k, err := kdf.KDFTree256(key, []byte("kdf tree"), s.ukm[len(s.ukm)-8:], 1, 64)
	if err != nil {
		return nil, nil, damaged("KDF_TREE: %v", err)
	}
	defer clear(k)
	stream, err := blockmode.NewCTRACPKM(s.newCipher, k[:32], s.ukm[:s.blockSize/2], sec.of(s.blockSize))
	if err != nil {
		return nil, nil, damaged("CTR-ACPKM: %v", err)
	}
	b, err := s.newCipher(k[32:])
	if err != nil {
		return nil, nil, damaged("OMAC key: %v", err)
	}
	mac, err := blockmode.NewOMAC(b, s.blockSize)
	if err != nil {
		return nil, nil, damaged("OMAC: %v", err)
	}
	return stream, mac, nil
}

// decrypt checks the tag with the RFC's section size, then, for data
// longer than the engine's section, with the engine's.
func (s *omacScheme) decrypt(key, ct []byte) ([]byte, error) {
	plain, err := s.decryptSections(key, ct, rfcSections)
	if errors.Is(err, errOMACMismatch) && len(ct) > engineSections.of(s.blockSize) {
		return s.decryptSections(key, ct, engineSections)
	}
	return plain, err
}

func (s *omacScheme) decryptSections(key, ct []byte, sec sections) ([]byte, error) {
	if len(ct) < s.blockSize {
		return nil, damaged("CTR-ACPKM-OMAC ciphertext of %d bytes", len(ct))
	}
	stream, mac, err := s.keys(key, sec)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(ct))
	stream.XORKeyStream(plain, ct)
	n := len(plain) - s.blockSize
	mac.Write(plain[:n])
	if subtle.ConstantTimeCompare(mac.Sum(nil), plain[n:]) != 1 {
		clear(plain)
		return nil, errOMACMismatch
	}
	return plain[:n], nil
}

func (s *omacScheme) encrypt(key, plain []byte) ([]byte, error) {
	stream, mac, err := s.keys(key, rfcSections)
	if err != nil {
		return nil, err
	}
	mac.Write(plain)
	body := mac.Sum(append([]byte(nil), plain...))
	defer clear(body)
	ct := make([]byte, len(body))
	stream.XORKeyStream(ct, body)
	return ct, nil
}

// errOMACMismatch: the OMAC inside a CTR-ACPKM-OMAC ciphertext does not
// match, a wrong password unless the file's MAC vouched for it.
var errOMACMismatch = errors.New("CTR-ACPKM-OMAC tag mismatch")

// pbkdf2Key is PBKDF2 with the HMAC of newHash; HMAC-Streebog-512 goes to
// the gost/kdf implementation, which is faster for it.
func pbkdf2Key(streebog512 bool, newHash func() hash.Hash, password string, salt []byte, iter, keyLen int) ([]byte, error) {
	if streebog512 {
		pw := []byte(password)
		defer clear(pw)
		return kdf.PBKDF2(pw, salt, iter, keyLen)
	}
	return pbkdf2.Key(newHash, password, salt, iter, keyLen)
}

func newMagma(key []byte) (cipher.Block, error) { return magma.NewMagma(key) }

// ctrACPKMUKM reads Gost3412-15-Encryption-Parameters (RFC 9337, 7.3):
// the ukm is n/2 + 8 bytes for a cipher of block size n.
func ctrACPKMUKM(params cryptobyte.String, blockSize int) ([]byte, error) {
	var seq, ukm cryptobyte.String
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() ||
		!seq.ReadASN1(&ukm, cbasn1.OCTET_STRING) || !seq.Empty() || len(ukm) != blockSize/2+8 {
		return nil, damaged("bad CTR-ACPKM parameters")
	}
	return ukm, nil
}

// pbes2Decrypt decrypts ct under PBES2 with params. valid tells whether a
// plaintext is well formed, to choose between the section sizes of
// CTR-ACPKM (see sections); nil takes the RFC's.
func pbes2Decrypt(params cryptobyte.String, ct []byte, password string, valid func([]byte) bool) ([]byte, error) {
	p, err := parsePBES2(params)
	if err != nil {
		return nil, err
	}
	// Check the cipher parameters before running the KDF.
	om, isOMAC, err := p.omac()
	if err != nil {
		return nil, err
	}
	if !isOMAC {
		if _, err := p.stream(make([]byte, gostKeySize), true, rfcSections); err != nil {
			return nil, err
		}
	}
	key, err := p.deriveKey(password)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	if isOMAC {
		return om.decrypt(key, ct)
	}
	plain, err := p.decryptStream(key, ct, rfcSections)
	if err != nil || valid == nil || valid(plain) || !p.isCTRACPKM() ||
		len(ct) <= engineSections.of(p.blockSize()) {
		return plain, err
	}
	alt, err := p.decryptStream(key, ct, engineSections)
	if err != nil || !valid(alt) {
		clear(alt)
		return plain, nil
	}
	clear(plain)
	return alt, nil
}

func (p *pbes2Params) decryptStream(key, ct []byte, sec sections) ([]byte, error) {
	s, err := p.stream(key, true, sec)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(ct))
	s.XORKeyStream(plain, ct)
	return plain, nil
}

func (p *pbes2Params) isCTRACPKM() bool {
	return p.cipher.oid.Equal(oidKuznyechikCTRACPKM) || p.cipher.oid.Equal(oidMagmaCTRACPKM)
}

func (p *pbes2Params) blockSize() int {
	if p.cipher.oid.Equal(oidKuznyechikCTRACPKM) || p.cipher.oid.Equal(oidKuznyechikCTRACPKMOM) {
		return kuznyechik.BlockSize
	}
	return magma.BlockSize
}
