package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
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
	// ContentType is the type of the content, written as eContentType
	// and as the contentType signed attribute; the zero OID means id-data,
	// the type of every document. A signature of another type has
	// SignedData version 3 (RFC 5652 section 5.1). Protocols give their
	// own messages a type of their own so that a signature made for one
	// purpose cannot pass for another (see package login); AddSigner
	// co-signs id-data only and refuses any other type here.
	ContentType x509.OID

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

// contentType returns the DER contents of the content type's OID, nil
// for id-data.
func (o *Options) contentType() ([]byte, error) {
	if o == nil || o.ContentType.Equal(x509.OID{}) || o.ContentType.Equal(oidDataOID) {
		return nil, nil
	}
	der, err := o.ContentType.MarshalBinary()
	if err != nil || len(der) == 0 {
		return nil, fmt.Errorf("%w: content type %v", ErrInvalidArgument, o.ContentType)
	}
	return der, nil
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
	return s.signedData(h.Sum(nil), body, prof, opts)
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
	return s.signedData(digest, nil, prof, opts)
}

// versionFor is the SignedData version for content of type ct (nil for
// id-data) signed by signers identified by issuer and serial number: 1,
// or 3 for any other type (RFC 5652 section 5.1).
func versionFor(ct []byte) int {
	if ct == nil {
		return 1
	}
	return 3
}

// signedData makes a SignedData with one signer over content whose digest
// is given, with content inside when opts.Attached is set. The SignerInfo
// is written after room for the rest, which then goes in front of it:
// the signature is written into one buffer, sized before it is signed.
func (s *Signer) signedData(digest, content []byte, prof *keyProfile, opts *Options) ([]byte, error) {
	ct, err := opts.contentType()
	if err != nil {
		return nil, err
	}
	// The lists of a new signature are short: room for them on the stack.
	var algs [1][]byte
	var certs [4][]byte
	parts := signedParts{
		version:     versionFor(ct),
		contentType: ct,
		content:     content,
		attached:    opts.Attached,
		digestAlgs:  append(algs[:0], prof.digest.der),
		certs:       s.appendCertificates(certs[:0], opts),
	}
	buf, start, err := s.signerInfoAfter(parts.reserve(), digest, prof, opts)
	if err != nil {
		return nil, err
	}
	return parts.marshalAround(buf, start)
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
	// The key often hands out the very value the certificate holds.
	switch pa := a.(type) {
	case *ecdsa.PublicKey:
		if pb, ok := b.(*ecdsa.PublicKey); ok && pa == pb && pa != nil {
			return true
		}
	case *rsa.PublicKey:
		if pb, ok := b.(*rsa.PublicKey); ok && pa == pb && pa != nil {
			return true
		}
	}
	if ga, ok := a.(*gost.PublicKey); ok {
		gb, ok := b.(*gost.PublicKey)
		if !ok || ga == nil || gb == nil {
			return false
		}
		// Equal needs the same *gost.Curve; the same parameters may
		// also come from another Curve value with the same OID.
		return ga.Equal(gb) || ga.Curve().OID().Equal(gb.Curve().OID()) && bytes.Equal(ga.Bytes(), gb.Bytes())
	}
	if e, ok := a.(interface{ Equal(crypto.PublicKey) bool }); ok {
		return e.Equal(b)
	}
	return false
}

func (s *Signer) addCertificates(p *signedParts, opts *Options) {
	p.certs = s.appendCertificates(p.certs, opts)
}

// appendCertificates appends the certificates a signature carries to
// list, each once.
func (s *Signer) appendCertificates(list [][]byte, opts *Options) [][]byte {
	list = appendCertificate(list, s.Certificate.Raw)
	if opts.IncludeChain {
		for _, c := range s.Chain {
			list = appendCertificate(list, c.Raw)
		}
	}
	return list
}

// signerInfo builds and signs one SignerInfo (RFC 5652 section 5.3) with
// the CAdES-BES signed attributes over a content digest.
func (s *Signer) signerInfo(digest []byte, prof *keyProfile, opts *Options) ([]byte, error) {
	buf, start, err := s.signerInfoAfter(0, digest, prof, opts)
	if err != nil {
		return nil, err
	}
	return buf[start:], nil
}

// signerInfoAfter is signerInfo writing the SignerInfo at the end of a new
// buffer, buf[start:], with at least reserve bytes free in front of it.
func (s *Signer) signerInfoAfter(reserve int, digest []byte, prof *keyProfile, opts *Options) (buf []byte, start int, err error) {
	c := s.Certificate
	d := prof.digest
	cp, err := partsFor(c, d)
	if err != nil {
		return nil, 0, err
	}
	ct, err := opts.contentType()
	if err != nil {
		return nil, 0, err
	}
	var sc attrScratch
	attrs, err := encodeSignedAttrs(&sc, ct, digest, cp.signingCertV2, opts.signingTime(), opts.extraAttributes)
	if err != nil {
		return nil, 0, err
	}
	head := reserve + maxHeaderLen
	size := head + intLen(1) + len(cp.sid) + len(d.der) + tlvLen(attrs.size) +
		len(prof.sigAlgDER) + tlvLen(signatureSizeHint(prof, c))
	buf = make([]byte, head, size)
	buf = appendInt(buf, 1)
	buf = append(buf, cp.sid...)
	buf = append(buf, d.der...)
	attrsAt := len(buf)
	buf = appendTL(buf, derContext0, attrs.size)
	buf = attrs.appendTo(buf)
	sig, err := signAttributes(s.Key, buf[attrsAt:], prof, opts)
	if err != nil {
		return nil, 0, fmt.Errorf("cms: signing: %w", err)
	}
	buf = append(buf, prof.sigAlgDER...)
	buf = appendTL(buf, derOctetString, len(sig))
	buf = append(buf, sig...)
	n := len(buf) - head
	start = head - 1 - lengthLen(n)
	appendTL(buf[start:start], derSequence, n)
	return buf, start, nil
}

// signAttributes signs the signed attributes. attrs is their encoding in
// the SignerInfo, under the [0] IMPLICIT tag; RFC 5652 section 5.4: the
// signature covers the DER with the SET OF tag.
func signAttributes(key crypto.Signer, attrs []byte, prof *keyProfile, opts *Options) ([]byte, error) {
	if ms, ok := key.(crypto.MessageSigner); ok {
		msg := bytes.Clone(attrs)
		msg[0] = derSet
		return ms.SignMessage(opts.rand(), msg, prof.signerOpts())
	}
	attrs[0] = derSet
	h := prof.digest.sum(attrs)
	attrs[0] = derContext0
	return key.Sign(opts.rand(), h, prof.signerOpts())
}

// signatureSizeHint is about the size of a signature by the certificate's
// key, to size the buffer it goes into.
func signatureSizeHint(prof *keyProfile, c *cert.Certificate) int {
	switch prof.kind {
	case kindGOST:
		return 2 * prof.digest.size
	case kindECDSA:
		// SEQUENCE of two INTEGERs, each with a possible leading zero.
		return 2*((c.KeyBits+7)/8+3) + 3
	}
	return (c.KeyBits + 7) / 8
}

func addAlgorithm(b *cryptobyte.Builder, a AlgorithmIdentifier) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.Algorithm)
		if a.Parameters != nil {
			b.AddBytes(a.Parameters)
		}
	})
}
