package pfx

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/kuznyechik"
	"github.com/zavera/zavera/gost/magma"
	"github.com/zavera/zavera/keyfile"
)

// Profile chooses how Encode protects the key and certificates.
type Profile int

const (
	// TC26 is the profile of R 50.1.112-2016: PBES2 with
	// PBKDF2-HMAC-Streebog-512 and GOST 28147-89 CFB (S-box param Z), and
	// the HMAC-Streebog-512 MAC. OpenSSL's GOST engine and CryptoPro CSP
	// read it.
	TC26 Profile = iota
	// Kuznyechik is the profile of RFC 9548 with Kuznyechik in CTR-ACPKM
	// (RFC 9337) instead of GOST 28147-89.
	Kuznyechik
	// Magma is the same with Magma in CTR-ACPKM.
	Magma
	// KuznyechikOMAC is Kuznyechik in CTR-ACPKM-OMAC (RFC 9337), which
	// also authenticates each encrypted bag.
	KuznyechikOMAC
	// MagmaOMAC is Magma in CTR-ACPKM-OMAC.
	MagmaOMAC
)

// Options tune Encode; the zero value writes the TC26 profile with 2000
// iterations.
type Options struct {
	Profile Profile
	// Iterations of PBKDF2, for the encryption keys and the MAC key; 0
	// means 2000, the count of R 50.1.112-2016.
	Iterations int
	// Rand supplies salts and IVs; nil means crypto/rand.
	Rand io.Reader
}

// ErrNothingToEncode: Encode was given no private key.
var ErrNothingToEncode = errors.New("pfx: no private key to encode")

const defaultIterations = 2000

var localKeyID = []byte{1, 0, 0, 0}

// Encode writes c's private key and certificates as a PKCS#12 file (DER)
// protected by password: a shrouded key bag in a data ContentInfo, the
// certificates in an EncryptedData, and the GOST MAC over both.
func Encode(c *keyfile.Contents, password string, opts *Options) ([]byte, error) {
	if c == nil || c.Key == nil {
		return nil, ErrNothingToEncode
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Iterations == 0 {
		o.Iterations = defaultIterations
	}
	if o.Iterations < 1 || o.Iterations > MaxIterations {
		return nil, fmt.Errorf("pfx: %d iterations out of range", o.Iterations)
	}
	if o.Profile < TC26 || o.Profile > MagmaOMAC {
		return nil, fmt.Errorf("pfx: unknown profile %d", o.Profile)
	}
	if len(c.Certificates) > maxCerts {
		return nil, fmt.Errorf("pfx: more than %d certificates", maxCerts)
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	e := encoder{opts: o, password: password}

	pkcs8, err := gost.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return nil, err
	}
	defer clear(pkcs8)
	keyAlg, keyCT, err := e.encrypt(pkcs8)
	if err != nil {
		return nil, err
	}
	var keyBags cryptobyte.Builder
	keyBags.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidShroudedKeyBag)
			b.AddASN1(explicit0, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddBytes(keyAlg)
					b.AddASN1OctetString(keyCT)
				})
			})
			addAttributes(b, c.Name)
		})
	})
	keySafe, err := keyBags.Bytes()
	if err != nil {
		return nil, err
	}

	var authSafe cryptobyte.Builder
	var certAlg, certCT []byte
	if len(c.Certificates) > 0 {
		var certBags cryptobyte.Builder
		certs := orderCertificates(c.Key, c.Certificates)
		certBags.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for i, der := range certs {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidCertBag)
					b.AddASN1(explicit0, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(oidX509Cert)
							b.AddASN1(explicit0, func(b *cryptobyte.Builder) {
								b.AddASN1OctetString(der)
							})
						})
					})
					if i == 0 && certMatches(c.Key, der) {
						addAttributes(b, "")
					}
				})
			}
		})
		certSafe, err := certBags.Bytes()
		if err != nil {
			return nil, err
		}
		if certAlg, certCT, err = e.encrypt(certSafe); err != nil {
			return nil, err
		}
	}
	authSafe.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidData)
			b.AddASN1(explicit0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(keySafe) })
		})
		if certCT != nil {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidEncryptedData)
				b.AddASN1(explicit0, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(0)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(oidData)
							b.AddBytes(certAlg)
							b.AddASN1(implicit0, func(b *cryptobyte.Builder) { b.AddBytes(certCT) })
						})
					})
				})
			})
		}
	})
	content, err := authSafe.Bytes()
	if err != nil {
		return nil, err
	}

	macSalt, err := e.random(32)
	if err != nil {
		return nil, err
	}
	d := findMACDigest(oidStreebog512)
	mac, err := computeMAC(d, password, macSalt, o.Iterations, content)
	if err != nil {
		return nil, err
	}
	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(3)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidData)
			b.AddASN1(explicit0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(content) })
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidStreebog512)
				})
				b.AddASN1OctetString(mac)
			})
			b.AddASN1OctetString(macSalt)
			b.AddASN1Int64(int64(o.Iterations))
		})
	})
	return out.Bytes()
}

// addAttributes adds the bag attributes: localKeyId, which ties the key
// to its certificate, and friendlyName when name is not empty.
func addAttributes(b *cryptobyte.Builder, name string) {
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		if name != "" {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidFriendlyName)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(30), func(b *cryptobyte.Builder) {
						for _, u := range utf16.Encode([]rune(name)) {
							b.AddUint16(u)
						}
					})
				})
			})
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidLocalKeyID)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddASN1OctetString(localKeyID) })
		})
	})
}

type encoder struct {
	opts     Options
	password string
}

func (e *encoder) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(e.opts.Rand, b); err != nil {
		return nil, fmt.Errorf("pfx: random: %w", err)
	}
	return b, nil
}

// encrypt returns the DER AlgorithmIdentifier of a fresh PBES2 scheme of
// the profile and plain encrypted under it.
func (e *encoder) encrypt(plain []byte) (alg, ct []byte, err error) {
	salt, err := e.random(32)
	if err != nil {
		return nil, nil, err
	}
	var cipherAlg cryptobyte.Builder
	cipherAlg.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		switch e.opts.Profile {
		case TC26:
			iv, rerr := e.random(magma.BlockSize)
			if rerr != nil {
				b.SetError(rerr)
				return
			}
			b.AddASN1ObjectIdentifier(oidGOST28147)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(iv)
				b.AddASN1ObjectIdentifier(magma.OIDParamZ)
			})
		case Kuznyechik, Magma, KuznyechikOMAC, MagmaOMAC:
			oid, n := oidKuznyechikCTRACPKM, kuznyechik.BlockSize
			switch e.opts.Profile {
			case Magma:
				oid, n = oidMagmaCTRACPKM, magma.BlockSize
			case KuznyechikOMAC:
				oid = oidKuznyechikCTRACPKMOM
			case MagmaOMAC:
				oid, n = oidMagmaCTRACPKMOMAC, magma.BlockSize
			}
			ukm, rerr := e.random(n/2 + 8)
			if rerr != nil {
				b.SetError(rerr)
				return
			}
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1OctetString(ukm) })
		}
	})
	cipherDER, err := cipherAlg.Bytes()
	if err != nil {
		return nil, nil, err
	}
	var params cryptobyte.Builder
	params.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPBKDF2)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(salt)
				b.AddASN1Int64(int64(e.opts.Iterations))
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidHMACStreebog512)
					b.AddASN1NULL()
				})
			})
		})
		b.AddBytes(cipherDER)
	})
	paramsDER, err := params.Bytes()
	if err != nil {
		return nil, nil, err
	}
	p, err := parsePBES2(cryptobyte.String(paramsDER))
	if err != nil {
		return nil, nil, err
	}
	key, err := p.deriveKey(e.password)
	if err != nil {
		return nil, nil, err
	}
	defer clear(key)
	om, isOMAC, err := p.omac()
	switch {
	case err != nil:
		return nil, nil, err
	case isOMAC:
		if ct, err = om.encrypt(key, plain); err != nil {
			return nil, nil, err
		}
	default:
		s, err := p.stream(key, false, rfcSections)
		if err != nil {
			return nil, nil, err
		}
		ct = make([]byte, len(plain))
		s.XORKeyStream(ct, plain)
	}
	var a cryptobyte.Builder
	a.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidPBES2)
		b.AddBytes(paramsDER)
	})
	alg, err = a.Bytes()
	return alg, ct, err
}
