package validate

import (
	"errors"
	"fmt"
	"time"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/tsp"
)

// TimeTimestamp is the validation time source of a signature whose
// signature-time-stamp passed: the time is proven, not claimed.
const TimeTimestamp = "timestamp"

// Timestamp types in reports.
const (
	TimestampSignature = "signature-time-stamp" // CAdES-T, over the signature value
	TimestampCAdESC    = "cades-c-time-stamp"   // CAdES-X Type 1, over the signature and its references
)

// TimestampReport is the verdict on one time-stamp of a signature.
type TimestampReport struct {
	Type          string
	Indication    Indication
	SubIndication SubIndication
	Detail        string
	// GenTime is the time the TSA states; it proves the signature existed
	// then only when Indication is Passed.
	GenTime      time.Time
	Policy       string
	SerialNumber string
	// TSA is the certificate that signed the token, nil when not found;
	// Chain its path to an anchor.
	TSA   *cert.Certificate
	Chain []*cert.Certificate
}

// judgeTimestamp checks one token against the data it should time-stamp.
func judgeTimestamp(typ string, tok *tsp.Token, data []byte, opts *tsp.VerifyOptions) *TimestampReport {
	tr := &TimestampReport{Type: typ, GenTime: tok.GenTime, Policy: tok.Policy.String()}
	if tok.SerialNumber != nil {
		tr.SerialNumber = fmt.Sprintf("%X", tok.SerialNumber)
	}
	if err := tok.MatchesData(data); err != nil {
		tr.Indication, tr.SubIndication, tr.Detail = Failed, HashFailure, err.Error()
		return tr
	}
	v, err := tok.Verify(opts)
	if v != nil {
		tr.TSA, tr.Chain = v.TSA, v.Chain
	}
	switch {
	case err == nil && len(tr.Chain) == 0:
		tr.Indication, tr.SubIndication, tr.Detail = Indeterminate, NoCertificateChainFound, "no trust anchor given: the TSA's path was not checked"
	case err == nil:
		tr.Indication = Passed
	case errors.Is(err, tsp.ErrNotTSA):
		tr.Indication, tr.SubIndication, tr.Detail = Indeterminate, ChainConstraintsFailure, err.Error()
	case errors.Is(err, cms.ErrSignature), errors.Is(err, cms.ErrMessageDigest):
		tr.Indication, tr.SubIndication, tr.Detail = Failed, SigCryptoFailure, err.Error()
	default:
		// The signer's checks say which.
		ind, sub := Indeterminate, FormatFailure
		if v != nil && v.Result != nil && len(v.Result.Signers) == 1 {
			for _, c := range v.Result.Signers[0].Checks {
				if c.Outcome == cms.Failed {
					ind, sub = classify(c.Name, c.Err, TimeGiven)
					break
				}
			}
		}
		tr.Indication, tr.SubIndication, tr.Detail = ind, sub, err.Error()
	}
	return tr
}

// signerStamps are the time-stamp tokens of one signer, parsed once.
type signerStamps struct {
	sig    []*tsp.Token
	sigErr error
	esc    []*tsp.Token
	// escData is what the CAdES-C time-stamps cover.
	escData []byte
	escErr  error
}

func readStamps(si *cms.SignerInfo) *signerStamps {
	st := &signerStamps{}
	st.sig, st.sigErr = cades.SignatureTimestamps(si)
	st.esc, st.escData, st.escErr = cades.EscTimestamps(si)
	return st
}

// signatureTimestamps judges the signature-time-stamps of si and returns
// them with the earliest time a passed one proves.
func signatureTimestamps(st *signerStamps, si *cms.SignerInfo, opts *tsp.VerifyOptions) ([]*TimestampReport, time.Time, bool) {
	var out []*TimestampReport
	if st.sigErr != nil {
		out = append(out, &TimestampReport{Type: TimestampSignature, Indication: Indeterminate, SubIndication: FormatFailure, Detail: st.sigErr.Error()})
	}
	var best time.Time
	for _, tok := range st.sig {
		tr := judgeTimestamp(TimestampSignature, tok, si.Signature, opts)
		out = append(out, tr)
		if tr.Indication == Passed && (best.IsZero() || tr.GenTime.Before(best)) {
			best = tr.GenTime
		}
	}
	return out, best, !best.IsZero()
}

// escTimestamps judges the CAdES-C time-stamps of a CAdES-X Long Type 1
// signer, over its signature value, signature-time-stamp and complete
// references.
func escTimestamps(st *signerStamps, opts *tsp.VerifyOptions) []*TimestampReport {
	var out []*TimestampReport
	if st.escErr != nil {
		out = append(out, &TimestampReport{Type: TimestampCAdESC, Indication: Indeterminate, SubIndication: FormatFailure, Detail: st.escErr.Error()})
	}
	for _, tok := range st.esc {
		out = append(out, judgeTimestamp(TimestampCAdESC, tok, st.escData, opts))
	}
	return out
}

// longTerm is what the unsigned attributes of a signature's signers
// carry: their time-stamp tokens, and the certificates of their
// certificate-values and tokens.
type longTerm struct {
	stamps map[*cms.SignerInfo]*signerStamps
	values map[*cms.SignerInfo]*cades.Values
	certs  []*cert.Certificate
}

// readLongTerm parses the time-stamp tokens of every signer and gathers
// the certificate-values of every signer and the certificates its tokens
// carry, to build paths with and to find a TSA's certificate that its own
// token lacks.
func readLongTerm(sd *cms.SignedData, memo *cert.Memo) *longTerm {
	lt := &longTerm{stamps: map[*cms.SignerInfo]*signerStamps{}, values: map[*cms.SignerInfo]*cades.Values{}}
	seen := map[*cert.Certificate]bool{}
	for _, si := range sd.SignerInfos {
		st := readStamps(si)
		lt.stamps[si] = st
		vals := cades.ReadValues(si)
		lt.values[si] = vals
		ders := append([][]byte(nil), vals.Certificates...)
		for _, tok := range append(append([]*tsp.Token(nil), st.sig...), st.esc...) {
			ders = append(ders, tok.SignedData.Certificates...)
		}
		for _, d := range ders {
			if c, err := memo.Parse(d); err == nil && !seen[c] {
				seen[c] = true
				lt.certs = append(lt.certs, c)
			}
		}
	}
	return lt
}
