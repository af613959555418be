package validate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/tsp"
)

// Options says what to validate a signature against.
type Options struct {
	// Content is the document of a detached signature; Digest its hash
	// (Streebog of the signer's key size for GOST). Give neither for an
	// attached signature.
	Content io.Reader
	Digest  []byte
	// SignerCertificates are certificates among which to find a signer
	// whose certificate the signature does not carry.
	SignerCertificates []*cert.Certificate
	// Certificates are extra certificates to build paths with.
	Certificates []*cert.Certificate
	// Anchors are trust anchors the caller chose.
	Anchors []*cert.Certificate
	// TrustList makes the CA certificates of a trusted list anchors; a
	// path ending at one of them passes only if the CA's accreditation was
	// in force at the validation time.
	TrustList *TrustList
	// At is the validation time. Zero means the best time known: the
	// signing time the signature states, else now.
	At time.Time
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Revocation, when set, checks whether the certificates of the path
	// were revoked; nil leaves revocation unchecked, and the report says
	// so.
	Revocation *RevocationOptions
	// SignatureCache, when set, remembers the certificate signatures found
	// valid across the validations that share it, so that a CA's
	// signature on a certificate (the signer's, a TSA's, an OCSP
	// responder's) is checked once for many signatures; nil checks them in
	// every validation. Every other check is made each time.
	SignatureCache *cert.SignatureCache
}

// Sources of the validation time.
const (
	TimeGiven       = "given"        // the caller's At
	TimeSigningTime = "signing-time" // the signingTime attribute: the signer's claim, not a proof
	TimeCurrent     = "current"      // the time of validation
)

// Validate parses a signature (DER, BER, PEM or base64) and gives the
// verdict on each of its signatures. The error is non-nil only when the
// input cannot be used: a signature that does not parse or has no signer
// (wrapping cms.ErrMalformed), content given where none can be
// (cms.ErrInvalidArgument) or a detached signature without content
// (cms.ErrNoContent).
func Validate(signature []byte, opts *Options) (*Report, error) {
	if opts == nil {
		opts = &Options{}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	validatedAt := now().UTC()
	anchors := append([]*cert.Certificate(nil), opts.Anchors...)
	if opts.TrustList != nil {
		anchors = append(anchors, opts.TrustList.Anchors()...)
	}
	// One validation parses the signature once, each time-stamp token
	// once and each certificate once, and checks each certificate's
	// signature by its issuer once, however many paths (the signer's, each
	// token's) go through it.
	memo := cert.NewMemoShared(opts.SignatureCache)
	sd, err := cms.ParseAny(signature)
	if err != nil {
		return nil, err
	}
	vo := &cms.VerifyOptions{
		Content: opts.Content, Digest: opts.Digest,
		Roots:          anchors,
		Intermediates:  append(append([]*cert.Certificate(nil), opts.SignerCertificates...), opts.Certificates...),
		Time:           validatedAt,
		ValidationTime: opts.At,
		Memo:           memo,
	}
	// CAdES-X Long signers carry their path's certificates, and
	// time-stamp tokens their TSA's.
	lt := readLongTerm(sd, memo)
	vo.Intermediates = append(vo.Intermediates, lt.certs...)
	// Time-stamps are checked before the signers' certificates, whose
	// validity is then checked at the time a passed one proves.
	stamps := map[*cms.SignerInfo]*stampResult{}
	tsaOpts := &tsp.VerifyOptions{Roots: anchors, Intermediates: vo.Intermediates, Certificates: vo.Intermediates, Memo: memo}
	vo.ProvenTime = func(si *cms.SignerInfo) (time.Time, bool) {
		st := lt.stamps[si]
		if st == nil {
			st = readStamps(si)
		}
		reps, best, ok := signatureTimestamps(st, si, tsaOpts)
		reps = append(reps, escTimestamps(st, tsaOpts)...)
		stamps[si] = &stampResult{reports: reps, best: best, ok: ok}
		return best, ok
	}
	res, err := cms.VerifyParsed(sd, vo)
	if res == nil || len(res.Signers) == 0 {
		// Not a signature, or a SignedData without signers (a
		// certificate bag): nothing to give a verdict on.
		return nil, err
	}
	if errors.Is(err, cms.ErrInvalidArgument) || errors.Is(err, cms.ErrNoContent) {
		return nil, err
	}
	rep := &Report{Result: res, ValidatedAt: validatedAt}
	for _, s := range res.Signers {
		vals := lt.values[s.SignerInfo]
		if vals == nil && s.SignerInfo != nil {
			vals = cades.ReadValues(s.SignerInfo)
		}
		rep.Signatures = append(rep.Signatures, judge(s, res.SignedData, opts, validatedAt, stamps[s.SignerInfo], vals, vo.Intermediates, memo))
	}
	return rep, nil
}

// judge turns one signer's checks into its verdict.
func judge(s *cms.SignerResult, sd *cms.SignedData, opts *Options, validatedAt time.Time, st *stampResult, vals *cades.Values, certs []*cert.Certificate, memo *cert.Memo) *SignatureReport {
	r := &SignatureReport{
		ID: fmt.Sprintf("S%d", s.Index+1), Index: s.Index, Signer: s,
		Certificate: s.Certificate, Chain: s.Chain, DigestAlgorithm: s.DigestAlgorithm,
		ValidationTime: s.CheckedAt, BestSignatureTime: validatedAt,
		Revocation: RevocationNotChecked,
	}
	if st != nil {
		r.Timestamps = st.reports
		if st.ok {
			r.BestSignatureTime = st.best
		}
	}
	switch {
	case !opts.At.IsZero():
		r.ValidationTimeSource = TimeGiven
	case st != nil && st.ok:
		r.ValidationTimeSource = TimeTimestamp
	case s.HasSigningTime:
		r.ValidationTimeSource = TimeSigningTime
	default:
		r.ValidationTimeSource = TimeCurrent
	}
	if r.ValidationTime.IsZero() {
		r.ValidationTime = opts.At
		if r.ValidationTime.IsZero() && s.HasSigningTime {
			r.ValidationTime = s.SigningTime
		} else if r.ValidationTime.IsZero() {
			r.ValidationTime = validatedAt
		}
	}
	if s.HasSigningTime {
		t := s.SigningTime.UTC()
		r.SigningTime = &t
	}
	if sd.Detached {
		r.Format = "detached"
		r.DocHashOnly = opts.Digest != nil
	} else {
		r.Format = "attached"
	}
	if s.SignerInfo != nil {
		r.SignatureValue = s.SignerInfo.Signature
	}
	for _, c := range s.Checks {
		r.Checks = append(r.Checks, Check{Name: string(c.Name), Outcome: c.Outcome.String(), Detail: c.Detail})
	}

	// The first failed check in the order Verify makes them decides,
	// a proof of failure before any inability to check.
	var indet *Check
	for i, c := range s.Checks {
		if c.Outcome != cms.Failed {
			continue
		}
		ind, sub := classify(c.Name, c.Err, r.ValidationTimeSource)
		if ind == Failed {
			r.Indication, r.SubIndication, r.Detail = Failed, sub, c.Detail
			break
		}
		if indet == nil {
			indet = &r.Checks[i]
			r.SubIndication, r.Detail = sub, c.Detail
		}
	}
	switch {
	case r.Indication == Failed:
	case indet != nil:
		r.Indication = Indeterminate
	default:
		r.Indication, r.SubIndication, r.Detail = judgeRest(s, r, opts)
		if r.Indication == Passed && opts.Revocation != nil {
			r.Indication, r.SubIndication, r.Detail = checkRevocation(r, sd, vals, opts.Revocation, certs, memo)
		}
	}
	r.Notes = notes(s, r, vals)
	return r
}

// stampResult is what the signature-time-stamps of one signer gave.
type stampResult struct {
	reports []*TimestampReport
	best    time.Time
	ok      bool
}

// judgeRest decides a signer none of whose checks failed: the chain may
// have been skipped, and an anchor from the trusted list needs its CA's
// accreditation in force at the validation time.
func judgeRest(s *cms.SignerResult, r *SignatureReport, opts *Options) (Indication, SubIndication, string) {
	if c, ok := s.Check(cms.CheckSignature); !ok || c.Outcome != cms.Passed {
		return Indeterminate, SignedDataNotFound, "the signature value was not checked"
	}
	if len(s.Chain) == 0 {
		return Indeterminate, NoCertificateChainFound, "no trust anchor given: the certificate's path to a trusted CA was not checked"
	}
	r.TrustAnchor = s.Chain[len(s.Chain)-1]
	if !fromCA(r.TrustAnchor, opts.Anchors) {
		for _, c := range s.Chain {
			lc := opts.TrustList.Lookup(c)
			if lc == nil {
				continue
			}
			ta := &TrustListEntry{CA: lc.CA, Certificate: lc}
			r.TrustList = ta
			p, ok := lc.CA.AccreditedAt(r.ValidationTime)
			if !ok {
				return Indeterminate, ChainConstraintsFailure, fmt.Sprintf("the accreditation of %s was not in force at %s",
					lc.CA.Name, r.ValidationTime.UTC().Format(time.RFC3339))
			}
			ta.Accredited, ta.Period = true, p
			break
		}
	}
	return Passed, "", ""
}

func fromCA(c *cert.Certificate, anchors []*cert.Certificate) bool {
	for _, a := range anchors {
		if bytes.Equal(a.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// classify gives the indication of one failed check.
func classify(name cms.CheckName, err error, source string) (Indication, SubIndication) {
	switch {
	case errors.Is(err, cms.ErrMessageDigest):
		return Failed, HashFailure
	case errors.Is(err, cms.ErrSignature):
		return Failed, SigCryptoFailure
	case errors.Is(err, cms.ErrUnsupportedAlgorithm), errors.Is(err, cert.ErrUnsupportedAlgorithm):
		return Indeterminate, CryptoConstraintsFailure
	case name == cms.CheckCertificate, errors.Is(err, cms.ErrCertificateNotFound), errors.Is(err, cms.ErrSigningCertificate):
		return Indeterminate, NoSigningCertificateFound
	case errors.Is(err, cms.ErrNoContent), errors.Is(err, cms.ErrInvalidArgument):
		return Indeterminate, SignedDataNotFound
	case errors.Is(err, cms.ErrAlgorithmProtection):
		return Indeterminate, SigConstraintsFailure
	case name == cms.CheckKeyUsage:
		return Indeterminate, ChainConstraintsFailure
	case name == cms.CheckValidity && errors.Is(err, cms.ErrExpired):
		// The signer's own statement of the signing time puts the
		// signature outside the certificate's validity: that is a proof
		// against it. Any other time only lacks a proof of existence.
		if source == TimeSigningTime {
			if errors.Is(err, cert.ErrNotYetValid) {
				return Failed, NotYetValid
			}
			return Failed, Expired
		}
		return Indeterminate, OutOfBoundsNoPOE
	case name == cms.CheckChain:
		switch {
		case errors.Is(err, cert.ErrUnknownAuthority):
			return Indeterminate, NoCertificateChainFound
		case errors.Is(err, cert.ErrExpired), errors.Is(err, cert.ErrNotYetValid):
			return Indeterminate, OutOfBoundsNoPOE
		case errors.Is(err, cert.ErrNotCA), errors.Is(err, cert.ErrPathLength), errors.Is(err, cert.ErrUnhandledCritical), errors.Is(err, cert.ErrKeyUsage):
			return Indeterminate, ChainConstraintsFailure
		}
		return Indeterminate, CertificateChainGeneralFailure
	}
	return Indeterminate, FormatFailure
}
