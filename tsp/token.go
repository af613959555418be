package tsp

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/zavera/zavera/cms"
)

// pkiStatusInfo is RFC 3161's PKIStatusInfo.
type pkiStatusInfo struct {
	Status       int
	StatusString []string       `asn1:"optional,utf8"`
	FailInfo     asn1.BitString `asn1:"optional"`
}

// timeStampResp is RFC 3161's TimeStampResp.
type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

// accuracy is RFC 3161's Accuracy.
type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

// tstInfo is RFC 3161's TSTInfo.
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time     `asn1:"generalized"`
	Accuracy       accuracy      `asn1:"optional"`
	Ordering       bool          `asn1:"optional"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional,tag:0"`
	Extensions     asn1.RawValue `asn1:"optional,tag:1"`
}

// PKI statuses of RFC 3161 section 2.4.2.
const (
	StatusGranted         = 0
	StatusGrantedWithMods = 1
	StatusRejection       = 2
	StatusWaiting         = 3
)

// Token is a time-stamp token: a CMS SignedData by the TSA over a TSTInfo.
type Token struct {
	// Raw is the DER of the token's ContentInfo, as the TSA sent it.
	Raw []byte
	// SignedData is the parsed token.
	SignedData *cms.SignedData

	Policy        asn1.ObjectIdentifier
	HashAlgorithm asn1.ObjectIdentifier
	HashedMessage []byte
	SerialNumber  *big.Int
	// GenTime is when the TSA time-stamped the imprint, and Accuracy the
	// error it states (zero when none).
	GenTime  time.Time
	Accuracy time.Duration
	Nonce    *big.Int
}

// ParseResponse parses a TimeStampResp and returns its token. A status
// other than granted (with or without modifications) gives ErrRejected.
// The token is parsed but not verified: see Token.Verify and Check.
func ParseResponse(der []byte) (*Token, error) {
	var resp timeStampResp
	rest, err := asn1.Unmarshal(der, &resp)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: bad TimeStampResp: %v", ErrMalformed, err)
	}
	st := resp.Status
	if st.Status != StatusGranted && st.Status != StatusGrantedWithMods {
		return nil, fmt.Errorf("%w: status %d, failure info %s: %s", ErrRejected, st.Status, failInfo(st.FailInfo), strings.Join(st.StatusString, "; "))
	}
	if len(resp.TimeStampToken.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: granted without a token", ErrMalformed)
	}
	return ParseToken(resp.TimeStampToken.FullBytes)
}

// failInfo names the bits of a PKIFailureInfo.
func failInfo(b asn1.BitString) string {
	names := map[int]string{0: "badAlg", 2: "badRequest", 5: "badDataFormat", 14: "timeNotAvailable",
		15: "unacceptedPolicy", 16: "unacceptedExtension", 17: "addInfoNotAvailable", 25: "systemFailure"}
	var out []string
	for i := range b.BitLength {
		if b.At(i) == 1 {
			if n, ok := names[i]; ok {
				out = append(out, n)
			} else {
				out = append(out, fmt.Sprintf("bit %d", i))
			}
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ",")
}

// ParseToken parses a time-stamp token (the ContentInfo holding the
// TSA's SignedData) without verifying it.
func ParseToken(der []byte) (*Token, error) {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if !sd.ContentType.Equal(mustOID(oidTSTInfo)) || sd.Detached {
		return nil, fmt.Errorf("%w: the token's content is of type %v, not TSTInfo", ErrMalformed, sd.ContentType)
	}
	var info tstInfo
	rest, err := asn1.Unmarshal(sd.Content, &info)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: bad TSTInfo: %v", ErrMalformed, err)
	}
	if info.Version != 1 {
		return nil, fmt.Errorf("%w: TSTInfo version %d", ErrMalformed, info.Version)
	}
	acc := time.Duration(info.Accuracy.Seconds)*time.Second +
		time.Duration(info.Accuracy.Millis)*time.Millisecond + time.Duration(info.Accuracy.Micros)*time.Microsecond
	return &Token{
		Raw: bytes.Clone(der), SignedData: sd,
		Policy: info.Policy, HashAlgorithm: info.MessageImprint.HashAlgorithm.Algorithm,
		HashedMessage: info.MessageImprint.HashedMessage, SerialNumber: info.SerialNumber,
		GenTime: info.GenTime.UTC(), Accuracy: acc, Nonce: info.Nonce,
	}, nil
}

// MatchesImprint reports, as an ErrImprint error, whether the token
// time-stamps digest computed with alg.
func (t *Token) MatchesImprint(alg asn1.ObjectIdentifier, digest []byte) error {
	if !t.HashAlgorithm.Equal(alg) || !bytes.Equal(t.HashedMessage, digest) {
		return fmt.Errorf("%w: the token stamps a %s hash %x", ErrImprint, t.HashAlgorithm, t.HashedMessage)
	}
	return nil
}

// MatchesData is MatchesImprint for the data itself, hashed with the
// token's own algorithm (Streebog-256 or -512).
func (t *Token) MatchesData(data []byte) error {
	size := 32
	if t.HashAlgorithm.Equal(OIDStreebog512) {
		size = 64
	} else if !t.HashAlgorithm.Equal(OIDStreebog256) {
		return fmt.Errorf("%w: imprint algorithm %v is not Streebog", ErrImprint, t.HashAlgorithm)
	}
	alg, d, err := Digest(data, size)
	if err != nil {
		return err
	}
	return t.MatchesImprint(alg, d)
}

// Check verifies that the token answers req: the same imprint and nonce.
func (t *Token) Check(req *Request) error {
	if err := t.MatchesImprint(req.HashAlgorithm, req.Digest); err != nil {
		return err
	}
	if req.Nonce != nil && (t.Nonce == nil || t.Nonce.Cmp(req.Nonce) != 0) {
		return fmt.Errorf("%w: sent %x, got %x", ErrNonce, req.Nonce, t.Nonce)
	}
	return nil
}
