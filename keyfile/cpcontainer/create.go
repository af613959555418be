package cpcontainer

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/magma"
)

// CreateOptions say how Create writes a container.
type CreateOptions struct {
	// Name goes into name.key; the folder's name when empty.
	Name string
	// Password encrypts the key; empty for none.
	Password string
	// Certificate is the DER certificate stored in header.key (optional).
	Certificate []byte
	// GOST2001 marks a 256-bit key as a GOST R 34.10-2001 key: its
	// password KDF then uses GOST R 34.11-94.
	GOST2001 bool
	// Reserve writes the reserve copy (primary2.key, masks2.key) too.
	Reserve bool
	// Rand is the source of the mask and the salt; crypto/rand when nil.
	Rand io.Reader
}

// Create writes key into a new container folder dir (which must not
// exist) in the form Open reads. The header's check values whose
// computation is not public (the MACs of header.key and masks.key) are
// written as zeros, so CryptoPro CSP itself may refuse the container; it
// is meant for Zavera and for tools that follow the public analyses.
func Create(dir string, key *gost.PrivateKey, opts CreateOptions) (err error) {
	if key == nil {
		return errors.New("cpcontainer: no key")
	}
	curve := key.Curve()
	alg := GOST2012_256
	switch {
	case curve.Size() == 64:
		alg = GOST2012_512
	case opts.GOST2001:
		alg = GOST2001
	}
	if len(opts.Password) > maxPasswordSize {
		return fmt.Errorf("cpcontainer: the password is longer than %d bytes", maxPasswordSize)
	}
	r := opts.Rand
	if r == nil {
		r = rand.Reader
	}
	name := opts.Name
	if name == "" {
		name = filepath.Base(filepath.Clean(dir))
	}
	files := map[string][]byte{}
	defer func() {
		for _, b := range files {
			clear(b)
		}
	}()
	s := suite2012
	if alg == GOST2001 {
		s = suite2001
	}
	slots := [][2]string{{filePrimary, fileMasks}}
	if opts.Reserve {
		slots = append(slots, [2]string{filePrimary2, fileMasks2})
	}
	for _, sl := range slots {
		p, m, err := encryptKey(key, s, []byte(opts.Password), r)
		if err != nil {
			return err
		}
		files[sl[0]], files[sl[1]] = p, m
	}
	files[fileHeader] = marshalHeader(key, alg, opts)
	var nb cryptobyte.Builder
	nb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.IA5String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(name)) })
	})
	files[fileName] = nb.BytesOrPanic()

	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("cpcontainer: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	for n, data := range files {
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o600); err != nil {
			return fmt.Errorf("cpcontainer: %w", err)
		}
	}
	return nil
}

// encryptKey masks the key with a fresh random mask and encrypts it under
// the password's key with a fresh salt: the contents of primary.key and
// masks.key.
func encryptKey(key *gost.PrivateKey, s suite, password []byte, r io.Reader) (primary, masks []byte, err error) {
	curve := key.Curve()
	size := curve.Size()
	q := curve.Order()
	var mask []byte
	for {
		mask = make([]byte, size)
		if _, err := io.ReadFull(r, mask); err != nil {
			return nil, nil, fmt.Errorf("cpcontainer: %w", err)
		}
		if m := leInt(mask); m.Sign() > 0 && m.Cmp(q) < 0 {
			break
		}
	}
	salt := make([]byte, 12)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, nil, fmt.Errorf("cpcontainer: %w", err)
	}
	d := key.Bytes()
	defer clear(d)
	masked := maskKey(q, d, mask)
	defer clear(masked)
	kek := s.passwordKey(password, salt)
	defer clear(kek)
	ciph, err := magma.NewCipher(kek, s.sbox)
	if err != nil {
		return nil, nil, fmt.Errorf("cpcontainer: %w", err)
	}
	defer ciph.Wipe()
	enc := make([]byte, size)
	magma.NewECBEncrypter(ciph).CryptBlocks(enc, masked)

	var pb, mb cryptobyte.Builder
	pb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1OctetString(enc) })
	mb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1OctetString(mask)
		b.AddASN1OctetString(salt)
		b.AddASN1OctetString(make([]byte, 4))
	})
	clear(mask)
	return pb.BytesOrPanic(), mb.BytesOrPanic(), nil
}

func marshalHeader(key *gost.PrivateKey, alg Algorithm, opts CreateOptions) []byte {
	keyOID := oidAgree2012256
	switch alg {
	case GOST2012_512:
		keyOID = oidAgree2012512
	case GOST2001:
		keyOID = oidAgree2001
	}
	containerAttrs := []byte{7, 0x00}
	if opts.Reserve {
		containerAttrs = []byte{6, 0x40} // reservePrimary
	}
	bits := func(v []byte) func(*cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) { b.AddBytes(v) }
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidContainer)
			})
			b.AddASN1(cbasn1.BIT_STRING, bits(containerAttrs))
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.BIT_STRING, bits([]byte{5, 0xa0})) // exportable, exchange
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(keyOID)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(key.Curve().OID())
						b.AddASN1ObjectIdentifier(digestFor(alg))
					})
				})
			})
			b.AddASN1(cbasn1.Tag(2).ContextSpecific(), bits(make([]byte, 4)))
			if opts.Certificate != nil {
				b.AddASN1(cbasn1.Tag(5).ContextSpecific(), bits(opts.Certificate))
			}
			b.AddASN1(cbasn1.Tag(10).ContextSpecific(), bits(key.PublicKey().Bytes()[:fpSize]))
		})
		b.AddASN1OctetString(make([]byte, 4))
	})
	return b.BytesOrPanic()
}
