package validate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/revocation"
)

// RevocationOptions says how to check whether the certificates of a path
// were revoked (see package revocation). Options.Revocation nil skips the
// check, and the report says so.
type RevocationOptions struct {
	// CRLs and OCSPResponses are revocation data the caller has (files);
	// those the signature carries are used as well.
	CRLs          []*revocation.CRL
	OCSPResponses []*revocation.OCSPResponse
	// Offline uses only the data at hand and those in the signature:
	// nothing is fetched, and the report says so.
	Offline bool
	// HTTP fetches CRLs and asks OCSP responders; nil means a client with
	// a 15-second timeout.
	HTTP *http.Client
}

// Revocation states of a certificate path, in SignatureReport.Revocation.
const (
	RevocationGood        = "good"        // no certificate of the path was revoked at the validation time
	RevocationRevoked     = "revoked"     // a certificate of the path was revoked
	RevocationUnavailable = "unavailable" // no revocation data found for a certificate
	RevocationStale       = "stale"       // only revocation data older than the validation time found
)

// RevocationReport is what was found about one certificate of the path.
type RevocationReport struct {
	Certificate *cert.Certificate
	// Status is RevocationGood, RevocationRevoked, RevocationUnavailable
	// or RevocationStale.
	Status string
	// Source is "crl" or "ocsp"; Fetched says whether it came from URL
	// rather than from the signature or the caller.
	Source                 string
	Fetched                bool
	URL                    string
	ThisUpdate, NextUpdate time.Time
	RevokedAt              time.Time
	Detail                 string
	// Data is the CRL or OCSP response behind the status, nil when none.
	Data *revocation.Status
}

// revocationData gathers the CRLs and OCSP responses at hand for a
// signer: the caller's, the SignedData's crls field and, for CAdES-X
// Long, the signer's revocation-values.
func revocationData(sd *cms.SignedData, vals *cades.Values, ro *RevocationOptions, certs []*cert.Certificate, memo *cert.Memo) *revocation.Options {
	o := &revocation.Options{Offline: ro.Offline, HTTP: ro.HTTP, Certificates: certs, Memo: memo}
	o.CRLs = append(o.CRLs, ro.CRLs...)
	o.OCSPResponses = append(o.OCSPResponses, ro.OCSPResponses...)
	crls, ocsps, _ := sd.RevocationData()
	for _, d := range crls {
		if l, err := revocation.ParseCRL(d); err == nil {
			o.CRLs = append(o.CRLs, l)
		}
	}
	for _, d := range ocsps {
		if r, err := revocation.ParseOCSPResponse(d); err == nil {
			o.OCSPResponses = append(o.OCSPResponses, r)
		}
	}
	if vals != nil {
		o.CRLs = append(o.CRLs, vals.CRLs...)
		o.OCSPResponses = append(o.OCSPResponses, vals.OCSPResponses...)
	}
	return o
}

// checkRevocation checks every certificate of the path but the anchor at
// the validation time and gives the verdict it leads to, or Passed.
func checkRevocation(r *SignatureReport, sd *cms.SignedData, vals *cades.Values, ro *RevocationOptions, certs []*cert.Certificate, memo *cert.Memo) (Indication, SubIndication, string) {
	o := revocationData(sd, vals, ro, certs, memo)
	at := r.ValidationTime
	r.Revocation = RevocationGood
	ind, sub, detail := Passed, SubIndication(""), ""
	worse := func(i Indication, s SubIndication, d string) {
		if ind == Passed || ind == Indeterminate && i == Failed {
			ind, sub, detail = i, s, d
		}
	}
	for i := 0; i+1 < len(r.Chain); i++ {
		c, issuer := r.Chain[i], r.Chain[i+1]
		rr := RevocationReport{Certificate: c}
		st, err := revocation.Check(context.Background(), c, issuer, at, o)
		switch {
		case errors.Is(err, revocation.ErrStale):
			rr.Status, rr.Detail = RevocationStale, err.Error()
			r.Revocation = RevocationStale
			worse(Indeterminate, RevocationOutOfBoundsNoPOE, fmt.Sprintf("the revocation data for %s end before %s", c.Subject, at.UTC().Format(time.RFC3339)))
		case err != nil:
			rr.Status, rr.Detail = RevocationUnavailable, err.Error()
			if r.Revocation != RevocationStale {
				r.Revocation = RevocationUnavailable
			}
			worse(Indeterminate, TryLater, fmt.Sprintf("no revocation data for %s: %v", c.Subject, err))
		default:
			rr.Data, rr.Source, rr.Fetched, rr.URL = st, st.Source, st.Fetched, st.URL
			rr.ThisUpdate, rr.NextUpdate = st.ThisUpdate, st.NextUpdate
			rr.Status = RevocationGood
			if st.Revoked {
				rr.Status, rr.RevokedAt = RevocationRevoked, st.RevokedAt
				i, s, d := judgeRevoked(c, st.RevokedAt, at, r.ValidationTimeSource)
				if i != Passed {
					r.Revocation = RevocationRevoked
					worse(i, s, d)
				}
			}
		}
		r.RevocationChecks = append(r.RevocationChecks, rr)
	}
	r.RevocationOffline = ro.Offline
	return ind, sub, detail
}

// judgeRevoked decides a certificate revoked at revokedAt for a signature
// validated at at, a time from source.
func judgeRevoked(c *cert.Certificate, revokedAt, at time.Time, source string) (Indication, SubIndication, string) {
	when := revokedAt.UTC().Format(time.RFC3339)
	if !revokedAt.After(at) {
		if source == TimeCurrent {
			// Nothing says when the signature was made.
			return Indeterminate, RevokedNoPOE, fmt.Sprintf("%s was revoked on %s and nothing proves the signature came before", c.Subject, when)
		}
		return Failed, Revoked, fmt.Sprintf("%s was revoked on %s, before the validation time %s", c.Subject, when, at.UTC().Format(time.RFC3339))
	}
	if source == TimeSigningTime {
		// Revoked later, but the signing time is only the signer's claim.
		return Indeterminate, RevokedNoPOE, fmt.Sprintf("%s was revoked on %s; only the signer's claim puts the signature before", c.Subject, when)
	}
	return Passed, "", ""
}
