package cert

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxChainLength bounds the certificates in a path, the leaf and the root
// included.
const maxChainLength = 10

// maxIssuerChecks bounds the candidate issuers examined while building one
// path, so that a crafted pool of certificates (for instance from a
// signature's certificate set) sharing a name and key cannot make the
// search explode.
const maxIssuerChecks = 200

// ValidAt checks that t lies within the certificate's validity period,
// both ends included. The error wraps ErrExpired or ErrNotYetValid.
func (c *Certificate) ValidAt(t time.Time) error {
	if t.Before(c.NotBefore) {
		return fmt.Errorf("%w: %s is valid from %s, checked at %s", ErrNotYetValid, c.label(), c.NotBefore.Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	if t.After(c.NotAfter) {
		return fmt.Errorf("%w: %s expired at %s, checked at %s", ErrExpired, c.label(), c.NotAfter.Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	return nil
}

// label names the certificate in error messages.
func (c *Certificate) label() string {
	name := c.Subject.CommonName
	if name == "" {
		name = c.Subject.String()
	}
	return fmt.Sprintf("%q (serial %X)", name, c.SerialNumber)
}

// VerifyOptions tells VerifyChain what to trust and what to check.
type VerifyOptions struct {
	// Roots are the trust anchors. Their own signatures are not checked.
	Roots []*Certificate
	// Intermediates may be used to build the path.
	Intermediates []*Certificate
	// At is the time at which every certificate of the path must be
	// valid; the zero time means now.
	At time.Time
	// StrictRoots makes roots meet the same CA requirements as
	// intermediates. By default a root without a basicConstraints
	// extension (a version 1 certificate, or the TC26 example CA) is
	// accepted as a CA because the caller chose it as a trust anchor; a
	// root that says cA FALSE, or whose key usage lacks keyCertSign, is
	// refused either way.
	StrictRoots bool
	// KeyUsage, when not zero, requires the leaf to allow at least one of
	// these uses if it has a key usage extension (for signatures:
	// x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment).
	KeyUsage x509.KeyUsage
	// Memo, when set, remembers the issuers' signatures checked, for the
	// next paths built with it (see Memo).
	Memo *Memo
}

// VerifyChain builds a path from leaf through intermediates to one of
// roots and checks it at time at (see VerifyOptions.Verify). It returns the
// path, leaf first and root last.
func VerifyChain(leaf *Certificate, intermediates, roots []*Certificate, at time.Time) ([]*Certificate, error) {
	return VerifyOptions{Roots: roots, Intermediates: intermediates, At: at}.Verify(leaf)
}

// Verify builds a path from leaf to one of o.Roots and checks, for every
// certificate on it: validity at o.At (ErrExpired, ErrNotYetValid), no
// unhandled critical extension (ErrUnhandledCritical); for every issuer:
// the signature it made (ErrBadSignature, ErrUnsupportedAlgorithm), that it
// is a CA with keyCertSign if it has key usage (ErrNotCA), and its path
// length constraint (ErrPathLength); for the leaf: o.KeyUsage
// (ErrKeyUsage). When no issuer is found it fails with
// ErrUnknownAuthority; when issuers are found but every path fails, it
// returns the first failure. The path is returned leaf first, root last.
func (o VerifyOptions) Verify(leaf *Certificate) ([]*Certificate, error) {
	if leaf == nil {
		return nil, fmt.Errorf("%w: no certificate", ErrMalformed)
	}
	at := o.At
	if at.IsZero() {
		at = time.Now()
	}
	if err := checkCommon(leaf, at); err != nil {
		return nil, err
	}
	if o.KeyUsage != 0 && leaf.HasKeyUsage && leaf.KeyUsage&o.KeyUsage == 0 {
		return nil, fmt.Errorf("%w: %s has key usage %s, want one of %s", ErrKeyUsage, leaf.label(),
			strings.Join(KeyUsageNames(leaf.KeyUsage), ", "), strings.Join(KeyUsageNames(o.KeyUsage), ", "))
	}
	for _, r := range o.Roots {
		if r != nil && bytes.Equal(r.Raw, leaf.Raw) {
			return []*Certificate{leaf}, nil
		}
	}
	b := builder{opts: o, at: at}
	chain, err := b.extend([]*Certificate{leaf})
	if err != nil {
		return nil, err
	}
	return chain, nil
}

type builder struct {
	opts   VerifyOptions
	at     time.Time
	checks int
}

// extend tries every issuer of the last certificate of chain, roots first.
func (b *builder) extend(chain []*Certificate) ([]*Certificate, error) {
	child := chain[len(chain)-1]
	if len(chain) >= maxChainLength {
		return nil, fmt.Errorf("%w: no root within %d certificates of %s", ErrUnknownAuthority, maxChainLength, chain[0].label())
	}
	var firstErr error
	try := func(cand *Certificate, isRoot bool) []*Certificate {
		if cand == nil || !issuedBy(child, cand) || contains(chain, cand) {
			return nil
		}
		if b.checks++; b.checks > maxIssuerChecks {
			if firstErr == nil {
				firstErr = fmt.Errorf("%w: gave up after examining %d candidate issuers", ErrUnknownAuthority, maxIssuerChecks)
			}
			return nil
		}
		if err := b.checkIssuer(chain, cand, isRoot); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return nil
		}
		next := append(append([]*Certificate(nil), chain...), cand)
		if isRoot {
			return next
		}
		full, err := b.extend(next)
		if err != nil {
			if firstErr == nil || errors.Is(firstErr, ErrUnknownAuthority) && !errors.Is(err, ErrUnknownAuthority) {
				firstErr = err
			}
			return nil
		}
		return full
	}
	for _, r := range b.opts.Roots {
		if full := try(r, true); full != nil {
			return full, nil
		}
	}
	for _, c := range b.opts.Intermediates {
		if full := try(c, false); full != nil {
			return full, nil
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, fmt.Errorf("%w: no certificate of %s among the roots and intermediates", ErrUnknownAuthority, child.Issuer.String())
}

// checkIssuer checks cand as the issuer of the last certificate of chain.
func (b *builder) checkIssuer(chain []*Certificate, cand *Certificate, isRoot bool) error {
	child := chain[len(chain)-1]
	lenient := isRoot && !b.opts.StrictRoots && !cand.BasicConstraintsValid
	if !lenient && (!cand.BasicConstraintsValid || !cand.IsCA) {
		return fmt.Errorf("%w: %s has no basic constraints with cA TRUE", ErrNotCA, cand.label())
	}
	if cand.HasKeyUsage && cand.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("%w: key usage of %s lacks keyCertSign", ErrNotCA, cand.label())
	}
	// Intermediate CAs below cand: chain[1:] holds them.
	if below := len(chain) - 1; cand.MaxPathLen >= 0 && below > cand.MaxPathLen {
		return fmt.Errorf("%w: %s allows %d intermediate CAs below it, the path has %d", ErrPathLength, cand.label(), cand.MaxPathLen, below)
	}
	if err := b.opts.Memo.CheckSignatureFrom(child, cand); err != nil {
		return fmt.Errorf("signature of %s by %s: %w", child.label(), cand.label(), err)
	}
	return checkCommon(cand, b.at)
}

// checkCommon makes the checks every certificate of a path must pass.
func checkCommon(c *Certificate, at time.Time) error {
	if err := c.ValidAt(at); err != nil {
		return err
	}
	if len(c.unhandled) > 0 {
		return fmt.Errorf("%w: %s in %s", ErrUnhandledCritical, c.unhandled[0], c.label())
	}
	return nil
}

// issuedBy reports whether cand's subject is child's issuer and their key
// identifiers, when both are present, agree.
func issuedBy(child, cand *Certificate) bool {
	if !bytes.Equal(child.RawIssuer, cand.RawSubject) && !sameName(child.Issuer, cand.Subject) {
		return false
	}
	if child.AuthorityKeyID != nil && cand.SubjectKeyID != nil && !bytes.Equal(child.AuthorityKeyID, cand.SubjectKeyID) {
		return false
	}
	return true
}

// sameName compares names attribute by attribute, ignoring the string
// types, case and surrounding spaces, in the spirit of RFC 5280 section
// 7.1: CAs re-encode names.
func sameName(a, b Name) bool {
	if len(a.Attributes) != len(b.Attributes) || len(a.Attributes) == 0 {
		return false
	}
	for i := range a.Attributes {
		x, y := a.Attributes[i], b.Attributes[i]
		if !x.Type.Equal(y.Type) || x.MultiValued != y.MultiValued ||
			!strings.EqualFold(strings.Join(strings.Fields(x.Value), " "), strings.Join(strings.Fields(y.Value), " ")) {
			return false
		}
	}
	return true
}

func contains(chain []*Certificate, c *Certificate) bool {
	for _, x := range chain {
		if bytes.Equal(x.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// KeyUsageNames lists the RFC 5280 names of the bits set in ku.
func KeyUsageNames(ku x509.KeyUsage) []string {
	names := []string{"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
		"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	var out []string
	for i, n := range names {
		if ku&(1<<uint(i)) != 0 {
			out = append(out, n)
		}
	}
	return out
}
