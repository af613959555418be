package tsp

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
)

// VerifyOptions says what to check a token's signature against.
type VerifyOptions struct {
	// Roots are the trust anchors of TSAs. With none the TSA's path is
	// not checked and Verification.Chain is nil.
	Roots []*cert.Certificate
	// Intermediates are CA certificates besides those in the token.
	Intermediates []*cert.Certificate
	// Certificates are TSA certificates to use when the token carries
	// none (a request without certReq).
	Certificates []*cert.Certificate
	// Memo, when set, shares parsed certificates and checked certificate
	// signatures with the other checks of the same validation (see
	// cert.Memo).
	Memo *cert.Memo
}

// Verification is what Verify found about a token.
type Verification struct {
	// TSA is the certificate that signed the token.
	TSA *cert.Certificate
	// Chain is its path to one of the roots, nil when none was given.
	Chain []*cert.Certificate
	// Result is what cms.Verify found.
	Result *cms.Result
}

// Verify checks the TSA's signature on the token: the CMS signature over
// the TSTInfo, the ESS signing certificate attribute, the TSA
// certificate's validity at GenTime, its extended key usage (timeStamping
// alone, critical) and, given roots, its path at GenTime. Errors wrap
// ErrSignature (with the cms error), ErrNotTSA or ErrMalformed.
func (t *Token) Verify(opts *VerifyOptions) (*Verification, error) {
	if opts == nil {
		opts = &VerifyOptions{}
	}
	if len(t.SignedData.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: a token has one signer, this one %d", ErrMalformed, len(t.SignedData.SignerInfos))
	}
	res, err := cms.VerifyParsed(t.SignedData, &cms.VerifyOptions{
		Roots:          opts.Roots,
		Intermediates:  append(append([]*cert.Certificate(nil), opts.Certificates...), opts.Intermediates...),
		ValidationTime: t.GenTime,
		Memo:           opts.Memo,
	})
	if res == nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	v := &Verification{Result: res}
	s := res.Signers[0]
	v.TSA, v.Chain = s.Certificate, s.Chain
	if err != nil {
		return v, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	if c, ok := s.Check(cms.CheckSigningCertificate); !ok || c.Outcome != cms.Passed {
		return v, fmt.Errorf("%w: the token names no signing certificate (RFC 3161 needs ESS signingCertificate)", ErrSignature)
	}
	if err := CheckTSACertificate(v.TSA); err != nil {
		return v, err
	}
	return v, nil
}

// CheckTSACertificate checks that c may sign time-stamps: RFC 3161
// section 2.3 asks for the extended key usage timeStamping alone, marked
// critical.
func CheckTSACertificate(c *cert.Certificate) error {
	for _, e := range c.Extensions {
		if !e.ID.Equal(oidExtKeyUsage) {
			continue
		}
		if !e.Critical {
			return fmt.Errorf("%w: extended key usage is not critical", ErrNotTSA)
		}
		oids, err := parseEKU(e.Value)
		if err != nil {
			return err
		}
		if len(oids) != 1 || !oids[0].Equal(oidTimeStamping) {
			return fmt.Errorf("%w: extended key usage %v, not timeStamping alone", ErrNotTSA, oids)
		}
		return nil
	}
	return fmt.Errorf("%w: no extended key usage", ErrNotTSA)
}

func parseEKU(v []byte) ([]asn1.ObjectIdentifier, error) {
	in := cryptobyte.String(v)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("%w: bad extended key usage", ErrNotTSA)
	}
	var out []asn1.ObjectIdentifier
	for !seq.Empty() {
		var oid asn1.ObjectIdentifier
		if !seq.ReadASN1ObjectIdentifier(&oid) {
			return nil, fmt.Errorf("%w: bad extended key usage", ErrNotTSA)
		}
		out = append(out, oid)
	}
	return out, nil
}

// IsInvalid reports whether err proves the token wrong (a signature that
// does not verify, an imprint or nonce that differs) rather than merely
// unchecked (no path to an anchor, an algorithm not supported, an
// unreachable TSA).
func IsInvalid(err error) bool {
	if errors.Is(err, ErrImprint) || errors.Is(err, ErrNonce) || errors.Is(err, ErrNotTSA) {
		return true
	}
	return errors.Is(err, cms.ErrSignature) || errors.Is(err, cms.ErrMessageDigest) || errors.Is(err, cms.ErrSigningCertificate)
}

func mustOID(o asn1.ObjectIdentifier) x509.OID {
	oid, err := x509.OIDFromASN1OID(o)
	if err != nil {
		panic(err)
	}
	return oid
}
