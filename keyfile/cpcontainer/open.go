package cpcontainer

import (
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/magma"
	"github.com/zavera/zavera/keyfile"
)

// Algorithm names the kind of key a container holds.
type Algorithm string

// The algorithms a container may hold.
const (
	GOST2012_256 Algorithm = "GOST R 34.10-2012 256"
	GOST2012_512 Algorithm = "GOST R 34.10-2012 512"
	GOST2001     Algorithm = "GOST R 34.10-2001"
)

// Info is what Inspect tells about a container without its password.
type Info struct {
	// Dir is the container's folder.
	Dir string
	// Name is the container's name (name.key), else the folder's name.
	Name string
	// Algorithm is the key's algorithm; Curve its parameter set.
	Algorithm Algorithm
	Curve     *gost.Curve
	// Certificate is the DER certificate stored in header.key, nil when
	// the container holds none.
	Certificate []byte
	// PasswordNeeded is false when the empty password opens the key.
	PasswordNeeded bool
	// Reserve is true when the container has a reserve copy of the key.
	Reserve bool
}

// container is a parsed header with the key's parameters resolved.
type container struct {
	h     *header
	alg   Algorithm
	curve *gost.Curve
	suite suite
}

func load(dir string) (*container, error) {
	data, err := readFile(dir, fileHeader, maxHeaderSize)
	if err != nil {
		return nil, err
	}
	h, err := parseHeader(data)
	if err != nil {
		return nil, err
	}
	c := &container{h: h}
	switch {
	case h.keyOID.Equal(oidSign2001) || h.keyOID.Equal(oidAgree2001) || h.digestOID.Equal(oidDigest94):
		c.alg, c.suite = GOST2001, suite2001
	case h.keyOID.Equal(oidSign2012256) || h.keyOID.Equal(oidAgree2012256):
		c.alg, c.suite = GOST2012_256, suite2012
	case h.keyOID.Equal(oidSign2012512) || h.keyOID.Equal(oidAgree2012512):
		c.alg, c.suite = GOST2012_512, suite2012
	default:
		return nil, fmt.Errorf("%w: key algorithm %v", keyfile.ErrUnsupported, h.keyOID)
	}
	c.curve, err = gost.CurveByOID(h.curveOID)
	if err != nil {
		return nil, fmt.Errorf("%w: parameter set %v", keyfile.ErrUnsupported, h.curveOID)
	}
	want := 32
	if c.alg == GOST2012_512 {
		want = 64
	}
	if c.curve.Size() != want {
		return nil, damaged(fileHeader, "parameter set %v does not fit a %s key", h.curveOID, c.alg)
	}
	return c, nil
}

func (c *container) name(dir string) string {
	if data, err := readFile(dir, fileName, maxSmallSize); err == nil {
		if n, err := parseName(data); err == nil && n != "" {
			return n
		}
	}
	if c.h.name != "" {
		return c.h.name
	}
	return filepath.Base(filepath.Clean(dir))
}

// Inspect reads what a container says about itself: its name, the key's
// algorithm, the certificate stored in it and whether it needs a password.
// It runs the two-round KDF of the empty password to answer the last
// question and wipes what that unwraps.
func Inspect(dir string) (*Info, error) {
	c, err := load(dir)
	if err != nil {
		return nil, err
	}
	info := &Info{Dir: dir, Name: c.name(dir), Algorithm: c.alg, Curve: c.curve, Certificate: c.h.cert}
	if _, err := os.Stat(filepath.Join(dir, filePrimary2)); err == nil {
		info.Reserve = true
	}
	key, err := c.open(dir, nil)
	switch {
	case err == nil:
		key.Wipe()
	case errors.Is(err, keyfile.ErrWrongPassword):
		info.PasswordNeeded = true
	default:
		return nil, err
	}
	return info, nil
}

// Open decrypts the container's key with password ("" for a container
// without one). The Contents hold the key, the certificate stored in the
// container when there is one, and the container's name; the caller wipes
// them.
func Open(dir string, password string) (*keyfile.Contents, error) {
	c, err := load(dir)
	if err != nil {
		return nil, err
	}
	pw := []byte(password)
	defer clear(pw)
	key, err := c.open(dir, pw)
	if err != nil {
		return nil, err
	}
	out := &keyfile.Contents{Key: key, Name: c.name(dir)}
	if c.h.cert != nil {
		out.Certificates = [][]byte{c.h.cert}
	}
	return out, nil
}

// open unwraps the primary copy of the key, or the reserve copy when the
// primary one cannot be read.
func (c *container) open(dir string, password []byte) (*gost.PrivateKey, error) {
	if len(password) > maxPasswordSize {
		return nil, fmt.Errorf("%w: longer than %d bytes", keyfile.ErrWrongPassword, maxPasswordSize)
	}
	size := c.curve.Size()
	key, err := c.openSlot(dir, filePrimary, fileMasks, size, password)
	if err == nil {
		return key, nil
	}
	if _, serr := os.Stat(filepath.Join(dir, filePrimary2)); serr != nil {
		return nil, err
	}
	key, err2 := c.openSlot(dir, filePrimary2, fileMasks2, size, password)
	if err2 == nil {
		return key, nil
	}
	if errors.Is(err, keyfile.ErrWrongPassword) || errors.Is(err2, keyfile.ErrWrongPassword) {
		return nil, keyfile.ErrWrongPassword
	}
	return nil, err
}

func (c *container) openSlot(dir, primaryFile, masksFile string, size int, password []byte) (*gost.PrivateKey, error) {
	key, err := c.unwrapSlot(dir, primaryFile, masksFile, size, password)
	if err != nil {
		return nil, err
	}
	pub := key.PublicKey().Bytes()
	if subtle.ConstantTimeCompare(pub[:fpSize], c.h.fp) != 1 {
		key.Wipe()
		return nil, keyfile.ErrWrongPassword
	}
	return key, nil
}

// unwrapSlot decrypts and unmasks one copy of the key without checking it
// against the fingerprint.
func (c *container) unwrapSlot(dir, primaryFile, masksFile string, size int, password []byte) (*gost.PrivateKey, error) {
	s, err := readSlot(dir, primaryFile, masksFile, size)
	if err != nil {
		return nil, err
	}
	defer s.wipe()
	kek := c.suite.passwordKey(password, s.salt)
	defer clear(kek)
	ciph, err := magma.NewCipher(kek, c.suite.sbox)
	if err != nil {
		return nil, fmt.Errorf("cpcontainer: %w", err)
	}
	defer ciph.Wipe()
	dec := make([]byte, size)
	defer clear(dec)
	magma.NewECBDecrypter(ciph).CryptBlocks(dec, s.key)

	raw, err := unmask(c.curve.Order(), dec, s.mask)
	if err != nil {
		return nil, damaged(masksFile, "%v", err)
	}
	defer clear(raw)
	key, err := gost.NewPrivateKey(c.curve, raw)
	if err != nil {
		// A zero scalar: what a wrong password may give too.
		return nil, keyfile.ErrWrongPassword
	}
	return key, nil
}

// unmask returns LE(masked · mask⁻¹ mod q), both operands little-endian.
func unmask(q *big.Int, masked, mask []byte) ([]byte, error) {
	m := leInt(mask)
	defer wipeInt(m)
	if m.Mod(m, q).Sign() == 0 {
		return nil, errors.New("mask is zero modulo q")
	}
	inv := new(big.Int).ModInverse(m, q)
	defer wipeInt(inv)
	d := leInt(masked)
	defer wipeInt(d)
	d.Mul(d, inv).Mod(d, q)
	return leBytes(d, len(masked)), nil
}

// mask returns LE(d · mask mod q).
func maskKey(q *big.Int, d, mask []byte) []byte {
	m := leInt(mask)
	defer wipeInt(m)
	x := leInt(d)
	defer wipeInt(x)
	x.Mul(x, m).Mod(x, q)
	return leBytes(x, len(d))
}

func leInt(b []byte) *big.Int {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	defer clear(r)
	return new(big.Int).SetBytes(r)
}

func leBytes(x *big.Int, size int) []byte {
	out := make([]byte, size)
	x.FillBytes(out)
	for i, j := 0, size-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func wipeInt(x *big.Int) { clear(x.Bits()) }

// digestFor is the digest header.key names for a key: GOST R 34.11-94 for
// 2001 keys, Streebog of the key's size otherwise.
func digestFor(alg Algorithm) asn1.ObjectIdentifier {
	switch alg {
	case GOST2001:
		return oidDigest94
	case GOST2012_512:
		return oidDigest512
	}
	return oidDigest256
}
