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

// signatureTimestamps judges the signature-time-stamps of si and returns
// them with the earliest time a passed one proves.
func signatureTimestamps(si *cms.SignerInfo, opts *tsp.VerifyOptions) ([]*TimestampReport, time.Time, bool) {
	toks, err := cades.SignatureTimestamps(si)
	var out []*TimestampReport
	if err != nil {
		out = append(out, &TimestampReport{Type: TimestampSignature, Indication: Indeterminate, SubIndication: FormatFailure, Detail: err.Error()})
	}
	var best time.Time
	for _, tok := range toks {
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
func escTimestamps(si *cms.SignerInfo, opts *tsp.VerifyOptions) []*TimestampReport {
	toks, data, err := cades.EscTimestamps(si)
	var out []*TimestampReport
	if err != nil {
		out = append(out, &TimestampReport{Type: TimestampCAdESC, Indication: Indeterminate, SubIndication: FormatFailure, Detail: err.Error()})
	}
	for _, tok := range toks {
		out = append(out, judgeTimestamp(TimestampCAdESC, tok, data, opts))
	}
	return out
}

// longTermCertificates returns the certificate-values of every signer of
// a signature and the certificates its time-stamp tokens carry, to build
// paths with and to find a TSA's certificate that its own token lacks.
func longTermCertificates(signature []byte) []*cert.Certificate {
	sd, err := cms.ParseAny(signature)
	if err != nil {
		return nil
	}
	var out []*cert.Certificate
	for _, si := range sd.SignerInfos {
		ders, _ := cades.CertificateValues(si)
		for _, a := range si.UnsignedAttributes {
			if !a.Type.Equal(cades.OIDSignatureTimeStamp) && !a.Type.Equal(cades.OIDEscTimeStamp) {
				continue
			}
			for _, v := range a.Values {
				if tsd, err := cms.Parse(v); err == nil {
					ders = append(ders, tsd.Certificates...)
				}
			}
		}
		for _, d := range ders {
			if c, err := cert.Parse(d); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}
