package cades

import (
	"context"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/tsp"
)

// Unsigned attribute types of CAdES (RFC 5126 section 6.1.1, 6.2, 6.3).
var (
	OIDSignatureTimeStamp     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	OIDCompleteCertRefs       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 21}
	OIDCompleteRevocationRefs = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 22}
	OIDCertValues             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 23}
	OIDRevocationValues       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 24}
	OIDEscTimeStamp           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 25}
	OIDCertCRLTimestamp       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 26}
	oidStreebog512            = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}
)

// ErrInvalidArgument means a call that cannot work: a signer already
// time-stamped, a signature without signers.
var ErrInvalidArgument = errors.New("cades: invalid argument")

// Timestamper gets RFC 3161 time-stamp tokens; *tsp.Client is one.
type Timestamper interface {
	Timestamp(ctx context.Context, alg asn1.ObjectIdentifier, digest []byte) (*tsp.Token, error)
}

// AddTimestamp makes a CAdES-BES signature CAdES-T: every signer that has
// no signature-time-stamp yet gets one over its signature value, hashed
// with Streebog of the signer's digest size (512 bits for a Streebog-512
// signer, 256 otherwise). Signers already time-stamped are left as they
// are; a signature none of whose signers needs one is returned unchanged.
func AddTimestamp(ctx context.Context, signature []byte, ts Timestamper) ([]byte, error) {
	return AddTimestampTo(ctx, signature, ts, nil)
}

// AddTimestampTo is AddTimestamp for the signers whose indexes (from 0,
// in the order of signerInfos) are given; nil means every signer. The
// other signers are left as they are: a co-signer time-stamps only its
// own signature.
func AddTimestampTo(ctx context.Context, signature []byte, ts Timestamper, signers []int) ([]byte, error) {
	sd, err := cms.ParseAny(signature)
	if err != nil {
		return nil, err
	}
	if len(sd.SignerInfos) == 0 {
		return nil, fmt.Errorf("%w: no signers to time-stamp", ErrInvalidArgument)
	}
	if err := checkSignerIndexes(signers, len(sd.SignerInfos)); err != nil {
		return nil, err
	}
	out := sd.Raw
	for i, si := range sd.SignerInfos {
		if !selected(signers, i) {
			continue
		}
		if _, ok := si.UnsignedAttribute(OIDSignatureTimeStamp); ok {
			continue
		}
		tok, err := timestampOf(ctx, ts, si, si.Signature)
		if err != nil {
			return nil, fmt.Errorf("cades: time-stamping signer %d: %w", i+1, err)
		}
		attr, err := cms.MarshalAttribute(OIDSignatureTimeStamp, tok.Raw)
		if err != nil {
			return nil, err
		}
		if out, err = cms.AddUnsignedAttributes(out, i, attr); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// timestampOf asks ts for a token over data with the signer's Streebog.
func timestampOf(ctx context.Context, ts Timestamper, si *cms.SignerInfo, data []byte) (*tsp.Token, error) {
	size := 32
	if si.DigestAlgorithm.Algorithm.Equal(oidStreebog512) {
		size = 64
	}
	alg, digest, err := tsp.Digest(data, size)
	if err != nil {
		return nil, err
	}
	tok, err := ts.Timestamp(ctx, alg, digest)
	if err != nil {
		return nil, err
	}
	// The Timestamper may be another than tsp.Client: the imprint is
	// checked here whatever it checked.
	if err := tok.MatchesImprint(alg, digest); err != nil {
		return nil, err
	}
	return tok, nil
}

// SignatureTimestamps returns the signature-time-stamp tokens of a signer,
// parsed but not verified; a token that does not parse gives an error
// wrapping tsp.ErrMalformed.
func SignatureTimestamps(si *cms.SignerInfo) ([]*tsp.Token, error) {
	var out []*tsp.Token
	for _, a := range si.UnsignedAttributes {
		if !a.Type.Equal(OIDSignatureTimeStamp) {
			continue
		}
		for _, v := range a.Values {
			tok, err := tsp.ParseToken(v)
			if err != nil {
				return out, err
			}
			out = append(out, tok)
		}
	}
	return out, nil
}

// CheckSignatureTimestamp checks one signature-time-stamp of si: its
// imprint over the signature value and the TSA's signature (see
// tsp.Token.Verify).
func CheckSignatureTimestamp(tok *tsp.Token, si *cms.SignerInfo, opts *tsp.VerifyOptions) (*tsp.Verification, error) {
	if err := tok.MatchesData(si.Signature); err != nil {
		return nil, err
	}
	return tok.Verify(opts)
}

// checkSignerIndexes refuses an index that names no signer.
func checkSignerIndexes(signers []int, n int) error {
	for _, i := range signers {
		if i < 0 || i >= n {
			return fmt.Errorf("%w: no signer %d in a signature of %d", ErrInvalidArgument, i, n)
		}
	}
	return nil
}

// selected says whether signer i is among signers (nil: all).
func selected(signers []int, i int) bool {
	if signers == nil {
		return true
	}
	for _, j := range signers {
		if j == i {
			return true
		}
	}
	return false
}
