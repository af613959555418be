package cms

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
)

// VerifyOptions says what to verify a signature against.
type VerifyOptions struct {
	// Content is the document of a detached signature, read to its end
	// once whatever the number of signers. Leave nil for an attached
	// signature or when Digest is given.
	Content io.Reader
	// Digest is the hash of a detached signature's content, computed with
	// the signers' digest algorithm (Streebog of the key's size for GOST).
	Digest []byte
	// Roots are the trust anchors. With none, the chain check is skipped
	// and reported as such: the signature is then only as trustworthy as
	// the caller's own knowledge of the certificate.
	Roots []*cert.Certificate
	// Intermediates are extra CA certificates; the signature's own
	// certificates are used as well.
	Intermediates []*cert.Certificate
	// Time is when to check the certificate for a signer without a
	// signingTime attribute; zero means now.
	Time time.Time
	// ValidationTime, when not zero, is when to check every signer's
	// certificate and chain, whatever signingTime says.
	ValidationTime time.Time
	// ProvenTime, when set and ValidationTime is zero, gives for a signer
	// a time at which its signature is proven to have existed (a
	// signature timestamp its caller checked); the certificate and chain
	// are then checked at that time rather than at signingTime.
	ProvenTime func(si *SignerInfo) (time.Time, bool)
	// Memo, when set, parses the signature's certificates and checks
	// their issuers' signatures once for all the calls given the same
	// Memo: a validator checking a signature and its time-stamp tokens
	// shares one (see cert.Memo).
	Memo *cert.Memo
}

// Verify parses a signature (DER, BER, PEM or base64) and checks every
// signer: the certificate, the content digest, the signature, the
// signingCertificate attribute, validity at the signing time, key usage
// and, given trust anchors, the chain.
//
// The result is returned whenever the signature parses, with the outcome
// of each check. The error is nil when every signer passed; otherwise it
// is the first failure, wrapping ErrSignature, ErrMessageDigest,
// ErrSigningCertificate, ErrCertificateNotFound, ErrChain, ErrExpired,
// ErrKeyUsage, ErrUnsupportedAlgorithm, ErrNoContent or ErrMalformed.
func Verify(signature []byte, opts *VerifyOptions) (*Result, error) {
	sd, err := ParseAny(signature)
	if err != nil {
		return nil, err
	}
	return VerifyParsed(sd, opts)
}

// VerifyParsed is Verify for a signature already parsed, for a caller
// that reads it before checking it. sd is not modified.
func VerifyParsed(sd *SignedData, opts *VerifyOptions) (*Result, error) {
	if opts == nil {
		opts = &VerifyOptions{}
	}
	res := &Result{SignedData: sd}
	if len(sd.SignerInfos) == 0 {
		return res, malformed("no signers")
	}
	digests, contentErr := contentDigests(sd, opts)
	certs, certErr := signatureCertificates(sd, opts.Memo)
	pool := append(append(certs, opts.Intermediates...), opts.Roots...)
	for i, si := range sd.SignerInfos {
		r := &SignerResult{Index: i, SignerInfo: si}
		res.Signers = append(res.Signers, r)
		verifySigner(r, si, sd, digests, contentErr, certErr, pool, certs, opts)
	}
	return res, res.Err()
}

// contentDigests hashes the content once with every digest algorithm the
// signers use.
func contentDigests(sd *SignedData, opts *VerifyOptions) (map[*digestAlgorithm][]byte, error) {
	out := map[*digestAlgorithm][]byte{}
	hashes := map[*digestAlgorithm]hash.Hash{}
	for _, si := range sd.SignerInfos {
		if d, err := digestByOID(si.DigestAlgorithm.Algorithm); err == nil {
			hashes[d] = d.new()
		}
	}
	var writers []io.Writer
	for _, h := range hashes {
		writers = append(writers, h)
	}
	w := io.MultiWriter(writers...)
	switch {
	case !sd.Detached:
		if opts.Content != nil || opts.Digest != nil {
			return nil, fmt.Errorf("%w: the signature carries its content; no other content may be given", ErrInvalidArgument)
		}
		w.Write(sd.Content)
	case opts.Content != nil && opts.Digest != nil:
		return nil, fmt.Errorf("%w: give the content or its digest, not both", ErrInvalidArgument)
	case opts.Digest != nil:
		for d := range hashes {
			if len(opts.Digest) == d.size {
				out[d] = opts.Digest
			}
		}
		return out, nil
	case opts.Content != nil:
		if _, err := io.Copy(w, opts.Content); err != nil {
			return nil, fmt.Errorf("cms: reading content: %w", err)
		}
	default:
		return nil, ErrNoContent
	}
	for d, h := range hashes {
		out[d] = h.Sum(nil)
	}
	return out, nil
}

// signatureCertificates parses the certificates in the signature. One that
// does not parse is left out; the first such error is returned so that a
// signer whose certificate is missing can say why.
func signatureCertificates(sd *SignedData, memo *cert.Memo) ([]*cert.Certificate, error) {
	var out []*cert.Certificate
	var first error
	for i, der := range sd.Certificates {
		c, err := memo.Parse(der)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("%w: certificate %d: %w", ErrMalformed, i+1, err)
			}
			continue
		}
		out = append(out, c)
	}
	return out, first
}

func verifySigner(r *SignerResult, si *SignerInfo, sd *SignedData, digests map[*digestAlgorithm][]byte, contentErr, certErr error, pool, embedded []*cert.Certificate, opts *VerifyOptions) {
	r.DigestAlgorithm = DigestName(si.DigestAlgorithm.Algorithm)
	if t, ok, err := si.SigningTime(); err != nil {
		r.fail(CheckValidity, err)
		return
	} else if ok {
		r.SigningTime, r.HasSigningTime = t, true
	}

	// The certificate.
	c := findCertificate(si, pool)
	if c == nil {
		if certErr != nil {
			r.fail(CheckCertificate, certErr)
		} else {
			r.fail(CheckCertificate, fmt.Errorf("%w: issuer and serial or key identifier match no certificate", ErrCertificateNotFound))
		}
		return
	}
	r.Certificate = c
	r.pass(CheckCertificate, c.SubjectString())

	d, err := digestByOID(si.DigestAlgorithm.Algorithm)
	if err != nil {
		r.fail(CheckSignature, err)
		return
	}

	// The content.
	var contentDigest []byte
	if contentErr != nil {
		r.fail(CheckMessageDigest, contentErr)
	} else if contentDigest = digests[d]; contentDigest == nil {
		r.fail(CheckMessageDigest, fmt.Errorf("%w: digest given has the wrong length for %s", ErrInvalidArgument, d.name))
	}

	// The signed attributes, then the signature over them.
	var signed []byte
	if si.SignedAttributes != nil {
		checkContentType(r, si, sd)
		if contentDigest != nil {
			md, ok, err := si.MessageDigest()
			switch {
			case err != nil:
				r.fail(CheckMessageDigest, err)
			case !ok:
				r.fail(CheckMessageDigest, malformed("signed attributes without messageDigest"))
			case !bytes.Equal(md, contentDigest):
				r.fail(CheckMessageDigest, fmt.Errorf("%w: %s of the content differs from the signed one", ErrMessageDigest, d.name))
			default:
				r.pass(CheckMessageDigest, d.name)
			}
		}
		h := d.new()
		h.Write(si.signedAttrsDER)
		signed = h.Sum(nil)
	} else {
		if contentDigest != nil {
			r.skip(CheckMessageDigest, "no signed attributes: the signature covers the content's hash directly")
		}
		signed = contentDigest
	}
	if signed == nil {
		r.skip(CheckSignature, "no content to check against")
	} else if err := checkSignature(c, si, d, signed); err != nil {
		r.fail(CheckSignature, err)
	} else {
		r.pass(CheckSignature, c.KeyString())
	}

	checkSigningCertificate(r, si, c)
	checkAlgorithmProtection(r, si)

	// The certificate at the signing time.
	at := opts.Time
	if at.IsZero() {
		at = time.Now()
	}
	if r.HasSigningTime {
		at = r.SigningTime
	}
	if opts.ProvenTime != nil {
		if t, ok := opts.ProvenTime(si); ok {
			at = t
		}
	}
	if !opts.ValidationTime.IsZero() {
		at = opts.ValidationTime
	}
	r.CheckedAt = at
	if err := c.ValidAt(at); err != nil {
		r.fail(CheckValidity, fmt.Errorf("%w: %w", ErrExpired, err))
	} else {
		r.pass(CheckValidity, at.UTC().Format(time.RFC3339))
	}
	if c.HasKeyUsage && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		r.fail(CheckKeyUsage, fmt.Errorf("%w: neither digitalSignature nor nonRepudiation", ErrKeyUsage))
	} else if c.HasKeyUsage {
		r.pass(CheckKeyUsage, "")
	} else {
		r.pass(CheckKeyUsage, "no key usage extension: any use allowed")
	}
	if len(opts.Roots) == 0 {
		r.skip(CheckChain, "no trust anchors given")
		return
	}
	inter := append(append([]*cert.Certificate(nil), embedded...), opts.Intermediates...)
	chain, err := cert.VerifyOptions{Roots: opts.Roots, Intermediates: inter, At: at, Memo: opts.Memo}.Verify(c)
	if err != nil {
		r.fail(CheckChain, fmt.Errorf("%w: %w", ErrChain, err))
		return
	}
	r.Chain = chain
	r.pass(CheckChain, chain[len(chain)-1].SubjectString())
}

// findCertificate finds the certificate a SignerInfo names.
func findCertificate(si *SignerInfo, pool []*cert.Certificate) *cert.Certificate {
	for _, c := range pool {
		if si.SerialNumber != nil {
			if c.SerialNumber != nil && c.SerialNumber.Cmp(si.SerialNumber) == 0 && bytes.Equal(c.RawIssuer, si.RawIssuer) {
				return c
			}
		} else if si.SubjectKeyID != nil && bytes.Equal(c.SubjectKeyID, si.SubjectKeyID) {
			return c
		}
	}
	return nil
}

// checkContentType applies RFC 5652 section 5.3: with signed attributes,
// contentType must be present and equal eContentType.
func checkContentType(r *SignerResult, si *SignerInfo, sd *SignedData) {
	vals, ok := si.Attribute(oidAttrContentType)
	if !ok || len(vals) != 1 {
		r.fail(CheckContentType, malformed("signed attributes need exactly one contentType"))
		return
	}
	ct, err := parseAnyOID(vals[0])
	if err != nil {
		r.fail(CheckContentType, malformed("bad contentType attribute"))
		return
	}
	if !ct.Equal(sd.ContentType) {
		r.fail(CheckContentType, malformed("contentType %v but eContentType %v", ct, sd.ContentType))
		return
	}
	r.pass(CheckContentType, ct.String())
}

// checkSignature verifies sig over the digest signed with the
// certificate's key.
func checkSignature(c *cert.Certificate, si *SignerInfo, d *digestAlgorithm, signed []byte) error {
	alg := si.SignatureAlgorithm.Algorithm
	if c.KeyAlgorithm == cert.KeyGOST2001 || alg.Equal(oidGOST2001Key) || alg.Equal(oidGOST2001Signature) {
		return checkGOST2001(c, alg, d, signed, si.Signature)
	}
	if d == digestGOST94 {
		return unsupported("digest GOST R 34.11-94 with a %s key", c.KeyString())
	}
	switch pub := c.PublicKey.(type) {
	case *gost.PublicKey:
		want256 := alg.Equal(oidGOST256Key) || alg.Equal(oidGOST256Signature)
		want512 := alg.Equal(oidGOST512Key) || alg.Equal(oidGOST512Signature)
		size := pub.Curve().Size()
		if !(want256 && size == 32 || want512 && size == 64) {
			return unsupported("signature algorithm %v with a %d-bit GOST key", alg, size*8)
		}
		if d.size != size || d.hash != 0 {
			return unsupported("digest %s with a %d-bit GOST key", d.name, size*8)
		}
		if err := pub.Verify(signed, si.Signature); err != nil {
			return fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return nil
	case *ecdsa.PublicKey:
		if !alg.Equal(oidECPublicKey) && !ecdsaMatches(alg, d) {
			return unsupported("signature algorithm %v with an ECDSA key and %s", alg, d.name)
		}
		if !ecdsa.VerifyASN1(pub, signed, si.Signature) {
			return ErrSignature
		}
		return nil
	case *rsa.PublicKey:
		if alg.Equal(oidRSASSAPSS) {
			return unsupported("RSASSA-PSS")
		}
		if !alg.Equal(oidRSAEncryption) && !rsaMatches(alg, d) {
			return unsupported("signature algorithm %v with an RSA key and %s", alg, d.name)
		}
		if err := rsa.VerifyPKCS1v15(pub, d.hash, signed, si.Signature); err != nil {
			return fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return nil
	case nil:
		return unsupported("the certificate's %s key cannot be used", c.KeyAlgorithm)
	}
	return unsupported("key type %T", c.PublicKey)
}

// checkGOST2001 verifies a GOST R 34.10-2001 signature: a GOST 2001 key,
// GOST R 34.11-94 as the digest, and the key's or the signature's OID as
// signatureAlgorithm (RFC 4490 section 3.2 and what CryptoPro writes).
// The algorithm is withdrawn for new signatures but old ones stay
// verifiable at their signing time.
func checkGOST2001(c *cert.Certificate, alg asn1.ObjectIdentifier, d *digestAlgorithm, signed, sig []byte) error {
	if c.KeyAlgorithm != cert.KeyGOST2001 || !(alg.Equal(oidGOST2001Key) || alg.Equal(oidGOST2001Signature)) {
		return unsupported("signature algorithm %v with a %s key", alg, c.KeyString())
	}
	if d != digestGOST94 {
		return unsupported("digest %s with a GOST R 34.10-2001 key", d.name)
	}
	pub, ok := c.PublicKey.(*gost.PublicKey)
	if !ok {
		return unsupported("the certificate's %s key cannot be used", c.KeyAlgorithm)
	}
	if err := pub.Verify(signed, sig); err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return nil
}

func ecdsaMatches(alg asn1.ObjectIdentifier, d *digestAlgorithm) bool {
	switch d {
	case digestSHA1:
		return alg.Equal(oidECDSAWithSHA1)
	case digestSHA224:
		return alg.Equal(oidECDSAWithSHA224)
	case digestSHA256:
		return alg.Equal(oidECDSAWithSHA256)
	case digestSHA384:
		return alg.Equal(oidECDSAWithSHA384)
	case digestSHA512:
		return alg.Equal(oidECDSAWithSHA512)
	}
	return false
}

func rsaMatches(alg asn1.ObjectIdentifier, d *digestAlgorithm) bool {
	switch d {
	case digestSHA1:
		return alg.Equal(oidSHA1WithRSA)
	case digestSHA224:
		return alg.Equal(oidSHA224WithRSA)
	case digestSHA256:
		return alg.Equal(oidSHA256WithRSA)
	case digestSHA384:
		return alg.Equal(oidSHA384WithRSA)
	case digestSHA512:
		return alg.Equal(oidSHA512WithRSA)
	}
	return false
}
