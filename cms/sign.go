package cms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"fmt"
	"hash"
	"io"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
)

// Signer is a private key with the certificate that names it. The key may
// live anywhere: a software key (*gost.PrivateKey, *ecdsa.PrivateKey,
// *rsa.PrivateKey) or a token key behind crypto.Signer.
//
// Key.Sign is called once per signature with the digest of the signed
// attributes. A key that also implements crypto.MessageSigner gets the
// DER of the signed attributes through SignMessage instead, with the same
// options, and hashes them itself: a token that can only hash on board
// signs that way. For GOST keys opts is a *SignerOpts whose HashFunc is 0 and
// whose DigestAlgorithm names the Streebog variant; the signer must return
// BE(s) || BE(r). For ECDSA keys opts is the crypto.Hash and the signer
// returns the ASN.1 (r, s); for RSA keys opts is the crypto.Hash and the
// signer returns a PKCS #1 v1.5 signature.
type Signer struct {
	Key         crypto.Signer
	Certificate *cert.Certificate
	// Chain holds the issuing CA certificates, written into the signature
	// when Options.IncludeChain is set.
	Chain []*cert.Certificate
}

// Options controls how a signature is built. The zero value makes a
// detached CAdES-BES signature with the signer's certificate, signed now.
type Options struct {
	// Attached puts the content into the signature (eContent).
	Attached bool
	// IncludeChain adds Signer.Chain to the certificates.
	IncludeChain bool
	// SigningTime is written into signingTime; zero means time.Now().
	SigningTime time.Time
	// Hash overrides the SHA-2 hash for ECDSA and RSA keys. GOST keys
	// always use the Streebog of their size; setting Hash for them is an
	// error.
	Hash crypto.Hash
	// Rand is the randomness for the signature; nil means crypto/rand.
	Rand io.Reader

	// extraAttributes are further DER-encoded signed attributes, for
	// tests of what other signers write.
	extraAttributes [][]byte
}

func (o *Options) rand() io.Reader {
	if o == nil || o.Rand == nil {
		return rand.Reader
	}
	return o.Rand
}

func (o *Options) signingTime() time.Time {
	if o == nil || o.SigningTime.IsZero() {
		return time.Now()
	}
	return o.SigningTime
}

// Sign reads content to its end and returns a DER CAdES-BES SignedData
// over it. A detached signature hashes content as it streams (constant
// memory, whatever its size); an attached one keeps the content in memory
// to write it into the signature.
func Sign(content io.Reader, s Signer, opts *Options) ([]byte, error) {
	if opts == nil {
		opts = &Options{}
	}
	prof, err := s.profile(opts)
	if err != nil {
		return nil, err
	}
	h := prof.digest.new()
	var body []byte
	if opts.Attached {
		var buf bytes.Buffer
		if _, err := io.Copy(io.MultiWriter(h, &buf), content); err != nil {
			return nil, fmt.Errorf("cms: reading content: %w", err)
		}
		body = buf.Bytes()
	} else if _, err := io.Copy(h, content); err != nil {
		return nil, fmt.Errorf("cms: reading content: %w", err)
	}
	si, err := s.signerInfo(h.Sum(nil), prof, opts)
	if err != nil {
		return nil, err
	}
	parts := &signedParts{version: 1}
	parts.addDigestAlgorithm(prof.digest)
	parts.encap = encapContentInfo(body, opts.Attached)
	s.addCertificates(parts, opts)
	parts.signerInfos = [][]byte{si}
	return parts.marshal()
}

// SignDigest returns a detached CAdES-BES SignedData for content whose
// hash the caller computed: Streebog of the key's size for GOST keys, the
// SHA-2 hash the key uses otherwise (see Options.Hash).
func SignDigest(digest []byte, s Signer, opts *Options) ([]byte, error) {
	if opts == nil {
		opts = &Options{}
	}
	if opts.Attached {
		return nil, fmt.Errorf("%w: a signature over a hash cannot carry the content", ErrInvalidArgument)
	}
	prof, err := s.profile(opts)
	if err != nil {
		return nil, err
	}
	if len(digest) != prof.digest.size {
		return nil, fmt.Errorf("%w: digest of %d bytes, %s needs %d", ErrInvalidArgument, len(digest), prof.digest.name, prof.digest.size)
	}
	si, err := s.signerInfo(digest, prof, opts)
	if err != nil {
		return nil, err
	}
	parts := &signedParts{version: 1}
	parts.addDigestAlgorithm(prof.digest)
	parts.encap = encapContentInfo(nil, false)
	s.addCertificates(parts, opts)
	parts.signerInfos = [][]byte{si}
	return parts.marshal()
}

// DigestFor names the digest a signature by pub uses over the content and
// gives its size in bytes, for callers that check a hash they were given
// (see NewHash to compute one).
func DigestFor(pub crypto.PublicKey, h crypto.Hash) (name string, size int, err error) {
	prof, err := profileFor(pub, h)
	if err != nil {
		return "", 0, err
	}
	return prof.digest.name, prof.digest.size, nil
}

// NewHash returns the hash a signature by pub uses over the content (see
// Options.Hash): callers that hash content themselves before SignDigest or
// VerifyOptions.Digest use it to pick the same algorithm.
func NewHash(pub crypto.PublicKey, h crypto.Hash) (hash.Hash, error) {
	prof, err := profileFor(pub, h)
	if err != nil {
		return nil, err
	}
	return prof.digest.new(), nil
}

func (s *Signer) profile(opts *Options) (*keyProfile, error) {
	if s.Key == nil || s.Certificate == nil {
		return nil, fmt.Errorf("%w: signer needs a key and a certificate", ErrInvalidArgument)
	}
	pub := s.Key.Public()
	if !samePublicKey(pub, s.Certificate.PublicKey) {
		return nil, fmt.Errorf("%w: the key does not match the certificate's public key", ErrInvalidArgument)
	}
	return profileFor(pub, opts.Hash)
}

// samePublicKey reports whether two public keys are equal.
func samePublicKey(a, b crypto.PublicKey) bool {
	if ga, ok := a.(*gost.PublicKey); ok {
		gb, ok := b.(*gost.PublicKey)
		return ok && ga.Curve().OID().Equal(gb.Curve().OID()) && bytes.Equal(ga.Bytes(), gb.Bytes())
	}
	if e, ok := a.(interface{ Equal(crypto.PublicKey) bool }); ok {
		return e.Equal(b)
	}
	return false
}

func (s *Signer) addCertificates(p *signedParts, opts *Options) {
	p.addCertificate(s.Certificate.Raw)
	if opts.IncludeChain {
		for _, c := range s.Chain {
			p.addCertificate(c.Raw)
		}
	}
}

// signerInfo builds and signs one SignerInfo (RFC 5652 section 5.3) with
// the CAdES-BES signed attributes over a content digest.
func (s *Signer) signerInfo(digest []byte, prof *keyProfile, opts *Options) ([]byte, error) {
	c := s.Certificate
	attrs, err := signedAttributes(digest, prof.digest, c, opts.signingTime(), opts.extraAttributes)
	if err != nil {
		return nil, err
	}
	// RFC 5652 section 5.4: the signature covers the DER of the attributes
	// with the SET OF tag.
	set := appendHeader(nil, classUniversal, tagSet, true, len(attrs))
	set = append(set, attrs...)
	var sig []byte
	if ms, ok := s.Key.(crypto.MessageSigner); ok {
		sig, err = ms.SignMessage(opts.rand(), set, prof.signerOpts())
	} else {
		h := prof.digest.new()
		h.Write(set)
		sig, err = s.Key.Sign(opts.rand(), h.Sum(nil), prof.signerOpts())
	}
	if err != nil {
		return nil, fmt.Errorf("cms: signing: %w", err)
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, len(attrs)+len(sig)+len(c.RawIssuer)+128))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(c.RawIssuer)
			b.AddASN1BigInt(c.SerialNumber)
		})
		addAlgorithm(b, AlgorithmIdentifier{Algorithm: prof.digest.oid})
		b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
			b.AddBytes(attrs)
		})
		addAlgorithm(b, prof.sigAlg)
		b.AddASN1OctetString(sig)
	})
	return b.Bytes()
}

func addAlgorithm(b *cryptobyte.Builder, a AlgorithmIdentifier) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.Algorithm)
		if a.Parameters != nil {
			b.AddBytes(a.Parameters)
		}
	})
}

func encapContentInfo(content []byte, attached bool) []byte {
	b := cryptobyte.NewBuilder(make([]byte, 0, len(content)+32))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidData)
		if attached {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(content)
			})
		}
	})
	return b.BytesOrPanic()
}
