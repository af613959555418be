package tsp

import (
	"crypto/rand"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/zavera/zavera/gost/streebog"
)

// Object identifiers of RFC 3161 and the Streebog digests.
var (
	oidTSTInfo      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	// OIDStreebog256 and OIDStreebog512 are GOST R 34.11-2012 with 256-
	// and 512-bit results, the digests of message imprints.
	OIDStreebog256 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	OIDStreebog512 = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}
)

// algorithmIdentifier is an X.509 AlgorithmIdentifier; Streebog has no
// parameters.
type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// messageImprint is RFC 3161's MessageImprint.
type messageImprint struct {
	HashAlgorithm algorithmIdentifier
	HashedMessage []byte
}

// timeStampReq is RFC 3161's TimeStampReq.
type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional"`
}

// Request is a time-stamp request over a message imprint.
type Request struct {
	// HashAlgorithm is OIDStreebog256 or OIDStreebog512.
	HashAlgorithm asn1.ObjectIdentifier
	// Digest is the hash of the data to time-stamp.
	Digest []byte
	// Nonce is a random number the TSA must echo; NewRequest sets one.
	Nonce *big.Int
	// Policy asks for a TSA policy; nil lets the TSA choose.
	Policy asn1.ObjectIdentifier
	// CertReq asks the TSA to put its certificate into the token.
	CertReq bool
}

// Digest hashes data with Streebog of size 32 or 64 bytes and returns the
// hash with its algorithm's OID.
func Digest(data []byte, size int) (asn1.ObjectIdentifier, []byte, error) {
	switch size {
	case 32:
		h := streebog.New256()
		h.Write(data)
		return OIDStreebog256, h.Sum(nil), nil
	case 64:
		h := streebog.New512()
		h.Write(data)
		return OIDStreebog512, h.Sum(nil), nil
	}
	return nil, nil, fmt.Errorf("%w: no Streebog of %d bytes", ErrMalformed, size)
}

// NewRequest returns a request for the Streebog digest given, with a
// random 64-bit nonce and certReq set.
func NewRequest(alg asn1.ObjectIdentifier, digest []byte) (*Request, error) {
	if err := checkDigest(alg, digest); err != nil {
		return nil, err
	}
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, fmt.Errorf("tsp: making a nonce: %w", err)
	}
	return &Request{HashAlgorithm: alg, Digest: digest, Nonce: n, CertReq: true}, nil
}

func checkDigest(alg asn1.ObjectIdentifier, digest []byte) error {
	switch {
	case alg.Equal(OIDStreebog256) && len(digest) == 32, alg.Equal(OIDStreebog512) && len(digest) == 64:
		return nil
	}
	return fmt.Errorf("%w: a %d-byte digest with algorithm %v", ErrMalformed, len(digest), alg)
}

// Marshal returns the DER of the TimeStampReq.
func (r *Request) Marshal() ([]byte, error) {
	if err := checkDigest(r.HashAlgorithm, r.Digest); err != nil {
		return nil, err
	}
	der, err := asn1.Marshal(timeStampReq{
		Version:        1,
		MessageImprint: messageImprint{HashAlgorithm: algorithmIdentifier{Algorithm: r.HashAlgorithm}, HashedMessage: r.Digest},
		ReqPolicy:      r.Policy,
		Nonce:          r.Nonce,
		CertReq:        r.CertReq,
	})
	if err != nil {
		return nil, fmt.Errorf("tsp: encoding the request: %w", err)
	}
	return der, nil
}
