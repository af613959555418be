package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"fmt"
	"hash"

	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/gostr341194"
	"github.com/zavera/zavera/gost/streebog"
)

// digestAlgorithm is a hash this package can compute.
type digestAlgorithm struct {
	name string
	oid  asn1.ObjectIdentifier
	// hash is the crypto.Hash value, 0 for Streebog which has none.
	hash crypto.Hash
	new  func() hash.Hash
	size int
	// der is the DER of the AlgorithmIdentifier, without parameters.
	der []byte
}

func newDigest(name string, oid asn1.ObjectIdentifier, h crypto.Hash, f func() hash.Hash, size int) *digestAlgorithm {
	return &digestAlgorithm{name, oid, h, f, size, encodeAlgorithm(AlgorithmIdentifier{Algorithm: oid})}
}

var (
	digestStreebog256 = newDigest("Streebog-256", oidStreebog256, 0, streebog.New256, 32)
	digestStreebog512 = newDigest("Streebog-512", oidStreebog512, 0, streebog.New512, 64)
	digestSHA1        = newDigest("SHA-1", oidSHA1, crypto.SHA1, sha1.New, 20)
	digestSHA224      = newDigest("SHA-224", oidSHA224, crypto.SHA224, sha256.New224, 28)
	digestSHA256      = newDigest("SHA-256", oidSHA256, crypto.SHA256, sha256.New, 32)
	digestSHA384      = newDigest("SHA-384", oidSHA384, crypto.SHA384, sha512.New384, 48)
	digestSHA512      = newDigest("SHA-512", oidSHA512, crypto.SHA512, sha512.New, 64)
	// digestGOST94 is GOST R 34.11-94 with the CryptoPro parameters, the
	// hash of GOST R 34.10-2001 signatures. It verifies; nothing signs
	// with it.
	digestGOST94 = newDigest("GOST R 34.11-94", oidGOST94Digest, 0, gostr341194.NewCryptoPro, 32)

	digestAlgorithms = []*digestAlgorithm{digestStreebog256, digestStreebog512, digestSHA1, digestSHA224, digestSHA256, digestSHA384, digestSHA512, digestGOST94}
)

// sum returns the digest of data in a new slice. The common algorithms
// hash on the stack, without a hash.Hash to allocate.
func (d *digestAlgorithm) sum(data []byte) []byte {
	switch d {
	case digestStreebog256:
		s := streebog.Sum256(data)
		return append([]byte(nil), s[:]...)
	case digestStreebog512:
		s := streebog.Sum512(data)
		return append([]byte(nil), s[:]...)
	case digestSHA256:
		s := sha256.Sum256(data)
		return append([]byte(nil), s[:]...)
	case digestSHA384:
		s := sha512.Sum384(data)
		return append([]byte(nil), s[:]...)
	case digestSHA512:
		s := sha512.Sum512(data)
		return append([]byte(nil), s[:]...)
	}
	h := d.new()
	h.Write(data)
	return h.Sum(nil)
}

// digestByOID finds a digest algorithm.
func digestByOID(oid asn1.ObjectIdentifier) (*digestAlgorithm, error) {
	for _, d := range digestAlgorithms {
		if d.oid.Equal(oid) {
			return d, nil
		}
	}
	return nil, unsupported("digest %v", oid)
}

// digestByHash finds the digest algorithm of a crypto.Hash.
func digestByHash(h crypto.Hash) (*digestAlgorithm, error) {
	for _, d := range digestAlgorithms {
		if d.hash != 0 && d.hash == h {
			return d, nil
		}
	}
	return nil, unsupported("hash %v", h)
}

// DigestName returns a readable name of a digest algorithm OID, or the OID.
func DigestName(oid asn1.ObjectIdentifier) string {
	if d, err := digestByOID(oid); err == nil {
		return d.name
	}
	if oid.Equal(oidGOST94Digest) {
		return "GOST R 34.11-94"
	}
	return oid.String()
}

// SignerOpts is passed to crypto.Signer.Sign. For GOST keys HashFunc
// returns 0 (Streebog has no crypto.Hash value) and DigestAlgorithm names
// the Streebog variant whose output is the digest argument; for ECDSA and
// RSA HashFunc returns the SHA-2 hash, as those signers expect.
type SignerOpts struct {
	Hash            crypto.Hash
	DigestAlgorithm asn1.ObjectIdentifier
}

// HashFunc implements crypto.SignerOpts.
func (o *SignerOpts) HashFunc() crypto.Hash { return o.Hash }

// keyProfile says how a key signs in CMS: the digest it uses and the
// SignerInfo.signatureAlgorithm it is written with.
type keyProfile struct {
	digest *digestAlgorithm
	sigAlg AlgorithmIdentifier
	kind   keyKind
	// sigAlgDER is the DER of sigAlg.
	sigAlgDER []byte
}

func newProfile(d *digestAlgorithm, sigAlg AlgorithmIdentifier, kind keyKind) *keyProfile {
	return &keyProfile{d, sigAlg, kind, encodeAlgorithm(sigAlg)}
}

type keyKind int

const (
	kindGOST keyKind = iota + 1
	kindECDSA
	kindRSA
)

var asn1NULL = []byte{0x05, 0x00}

// The profiles are made once: profileFor returns these values, which
// nobody modifies.
var (
	profileGOST256 = newProfile(digestStreebog256, AlgorithmIdentifier{Algorithm: oidGOST256Key}, kindGOST)
	profileGOST512 = newProfile(digestStreebog512, AlgorithmIdentifier{Algorithm: oidGOST512Key}, kindGOST)

	profilesECDSA = map[crypto.Hash]*keyProfile{
		crypto.SHA224: newProfile(digestSHA224, AlgorithmIdentifier{Algorithm: oidECDSAWithSHA224}, kindECDSA),
		crypto.SHA256: newProfile(digestSHA256, AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}, kindECDSA),
		crypto.SHA384: newProfile(digestSHA384, AlgorithmIdentifier{Algorithm: oidECDSAWithSHA384}, kindECDSA),
		crypto.SHA512: newProfile(digestSHA512, AlgorithmIdentifier{Algorithm: oidECDSAWithSHA512}, kindECDSA),
	}
	profilesRSA = map[crypto.Hash]*keyProfile{
		crypto.SHA224: newProfile(digestSHA224, AlgorithmIdentifier{Algorithm: oidSHA224WithRSA, Parameters: asn1NULL}, kindRSA),
		crypto.SHA256: newProfile(digestSHA256, AlgorithmIdentifier{Algorithm: oidSHA256WithRSA, Parameters: asn1NULL}, kindRSA),
		crypto.SHA384: newProfile(digestSHA384, AlgorithmIdentifier{Algorithm: oidSHA384WithRSA, Parameters: asn1NULL}, kindRSA),
		crypto.SHA512: newProfile(digestSHA512, AlgorithmIdentifier{Algorithm: oidSHA512WithRSA, Parameters: asn1NULL}, kindRSA),
	}
)

// profileFor picks the algorithms for a public key: Streebog of the key's
// size and the key's OID as signatureAlgorithm for GOST (RFC 4490 section
// 3.2); SHA-2 matching the curve for ECDSA; SHA-256 (or want) for RSA.
func profileFor(pub crypto.PublicKey, want crypto.Hash) (*keyProfile, error) {
	switch k := pub.(type) {
	case *gost.PublicKey:
		if want != 0 {
			return nil, fmt.Errorf("%w: a GOST key signs with the Streebog of its size", ErrInvalidArgument)
		}
		switch k.Curve().Size() {
		case 32:
			return profileGOST256, nil
		case 64:
			return profileGOST512, nil
		}
		return nil, unsupported("GOST key of %d bytes", k.Curve().Size())
	case *ecdsa.PublicKey:
		h := want
		if h == 0 {
			switch k.Curve {
			case elliptic.P256():
				h = crypto.SHA256
			case elliptic.P384():
				h = crypto.SHA384
			case elliptic.P521():
				h = crypto.SHA512
			default:
				return nil, unsupported("ECDSA curve %s", k.Curve.Params().Name)
			}
		}
		if _, err := digestByHash(h); err != nil {
			return nil, err
		}
		if p := profilesECDSA[h]; p != nil {
			return p, nil
		}
		return nil, unsupported("ECDSA with %v", h)
	case *rsa.PublicKey:
		h := want
		if h == 0 {
			h = crypto.SHA256
		}
		if _, err := digestByHash(h); err != nil {
			return nil, err
		}
		if p := profilesRSA[h]; p != nil {
			return p, nil
		}
		return nil, unsupported("RSA with %v", h)
	}
	return nil, unsupported("public key type %T", pub)
}

// signerOpts returns the options a crypto.Signer gets for this profile.
func (p *keyProfile) signerOpts() crypto.SignerOpts {
	if p.kind == kindGOST {
		return &SignerOpts{DigestAlgorithm: p.digest.oid}
	}
	return p.digest.hash
}
