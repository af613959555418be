package validate

import (
	"fmt"
	"time"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
)

// Report is the outcome of validating a signature: one SignatureReport
// per signer, in the order of the signature's signerInfos.
type Report struct {
	Signatures []*SignatureReport
	// ValidatedAt is when the validation ran.
	ValidatedAt time.Time
	// Result is what cms.Verify found, for callers that show more.
	Result *cms.Result
}

// Indication returns the verdict on the whole signature: Passed when
// every signer passed, Failed when one failed, else Indeterminate.
func (r *Report) Indication() Indication {
	out := Passed
	for _, s := range r.Signatures {
		switch s.Indication {
		case Failed:
			return Failed
		case Indeterminate:
			out = Indeterminate
		}
	}
	if len(r.Signatures) == 0 {
		return Indeterminate
	}
	return out
}

// Revocation states of a certificate path.
const (
	// RevocationNotChecked: no CRL or OCSP response was consulted.
	RevocationNotChecked = "not-checked"
)

// SignatureReport is the verdict on one signer.
type SignatureReport struct {
	// ID names the signature in the report: "S1" for the first signer.
	ID    string
	Index int

	Indication    Indication
	SubIndication SubIndication
	// Detail says in English what decided a verdict other than Passed;
	// for logs and for people, not for programs.
	Detail string

	// ValidationTime is when the certificate and its path were checked,
	// and ValidationTimeSource where that time came from (TimeGiven,
	// TimeSigningTime, TimeCurrent).
	ValidationTime       time.Time
	ValidationTimeSource string
	// BestSignatureTime is the earliest time the signature is proven to
	// have existed: the time of its earliest signature-time-stamp that
	// passed, else the time of validation.
	BestSignatureTime time.Time
	// Timestamps are the verdicts on the signature's time-stamps. One
	// that did not pass proves nothing and is not used.
	Timestamps []*TimestampReport
	// SigningTime is the signingTime attribute, nil when absent.
	SigningTime *time.Time

	Format string // "attached" or "detached"
	// DocHashOnly is true when a detached signature was checked against
	// the document's hash rather than the document.
	DocHashOnly     bool
	DigestAlgorithm string
	SignatureValue  []byte

	Certificate *cert.Certificate
	// Chain is the path from Certificate to TrustAnchor when one was found.
	Chain       []*cert.Certificate
	TrustAnchor *cert.Certificate
	// TrustList says which CA of the trusted list the path goes through
	// and whether its accreditation was in force at the validation time.
	TrustList *TrustListEntry
	// Revocation sums up the revocation of the path: RevocationNotChecked,
	// RevocationGood, RevocationRevoked, RevocationUnavailable or
	// RevocationStale; RevocationChecks has the detail per certificate and
	// RevocationOffline says nothing was fetched.
	Revocation        string
	RevocationChecks  []RevocationReport
	RevocationOffline bool

	Checks []Check
	// Notes are remarks for people (a withdrawn algorithm, what was not
	// checked).
	Notes []string

	// Signer is what cms.Verify found about this signer.
	Signer *cms.SignerResult
}

// Check is one check made on a signer, as cms.Verify made it.
type Check struct {
	Name    string `json:"name"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
}

// TrustListEntry names the accredited CA of a path.
type TrustListEntry struct {
	CA          *AccreditedCA
	Certificate *ListedCertificate
	// Accredited is true when the CA's accreditation was in force at the
	// validation time; Period is then that accreditation.
	Accredited bool
	Period     AccreditationPeriod
}

// withdrawnNote is said of every GOST R 34.10-2001 signature or
// certificate on the path.
const withdrawnNote = "GOST R 34.10-2001 with GOST R 34.11-94 is withdrawn for new signatures (since 2019); it is accepted here only to check signatures and certificates made before"

func notes(s *cms.SignerResult, r *SignatureReport, vals *cades.Values) []string {
	var out []string
	gost2001 := s.Certificate != nil && s.Certificate.KeyAlgorithm == cert.KeyGOST2001
	for _, c := range s.Chain {
		if c.KeyAlgorithm == cert.KeyGOST2001 {
			gost2001 = true
		}
	}
	if gost2001 {
		out = append(out, withdrawnNote)
	}
	for _, t := range r.Timestamps {
		if t.Indication != Passed {
			out = append(out, fmt.Sprintf("a %s was not used: %s %s: %s", t.Type, t.Indication, t.SubIndication, t.Detail))
		}
	}
	if si := s.SignerInfo; si != nil && vals != nil {
		if _, ok := si.UnsignedAttribute(cades.OIDCompleteCertRefs); ok {
			var certs [][]byte
			if s.Certificate != nil {
				certs = append(certs, s.Certificate.Raw)
			}
			for _, c := range s.Chain {
				certs = append(certs, c.Raw)
			}
			if err := vals.CheckReferences(si, certs); err != nil {
				out = append(out, "CAdES-X Long: "+err.Error())
			}
		}
	}
	if r.ValidationTimeSource == TimeTimestamp {
		out = append(out, "checked at the time the signature time-stamp proves ("+r.BestSignatureTime.UTC().Format(time.RFC3339)+")")
	}
	if r.ValidationTimeSource == TimeSigningTime {
		out = append(out, "checked at the signing time the signature states; no timestamp proves it")
	}
	switch {
	case r.Revocation == RevocationNotChecked:
		out = append(out, "revocation of the certificates was not checked")
	case r.RevocationOffline:
		out = append(out, "offline: revocation was checked only with the data in the signature and those given; nothing was fetched")
	}
	return out
}
