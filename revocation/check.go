package revocation

import (
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/zavera/zavera/cert"
)

// Options says where to look for revocation data.
type Options struct {
	// CRLs and OCSPResponses are the data at hand: from the signature,
	// from files. They are used before anything fetched.
	CRLs          []*CRL
	OCSPResponses []*OCSPResponse
	// Certificates are candidates for a delegated OCSP responder whose
	// certificate the response does not carry (CAdES-X Long keeps it in
	// certificate-values).
	Certificates []*cert.Certificate
	// Memo, when set, checks a delegated OCSP responder's certificate
	// against its issuer through it (see cert.Memo).
	Memo *cert.Memo
	// Offline forbids any network access: only the data at hand count.
	Offline bool
	// HTTP fetches CRLs and asks OCSP responders; nil means a client with
	// a 15-second timeout.
	HTTP *http.Client
}

// Sources of a Status.
const (
	SourceCRL  = "crl"
	SourceOCSP = "ocsp"
)

// Status is what the revocation data say about one certificate.
type Status struct {
	Source string // SourceCRL or SourceOCSP
	// Fetched is true when the data came from the network, false when
	// they were at hand.
	Fetched bool
	URL     string
	// Revoked is true when the certificate was revoked at RevokedAt for
	// Reason (RFC 5280 CRLReason).
	Revoked   bool
	RevokedAt time.Time
	Reason    int
	// ThisUpdate and NextUpdate bound the data (NextUpdate zero when
	// open); ProducedAt is an OCSP response's time.
	ThisUpdate, NextUpdate, ProducedAt time.Time
	// Signer signed the data: the issuer, or its OCSP responder.
	Signer *cert.Certificate
	// CRL or OCSP holds the data, for embedding in a long-term signature.
	CRL  *CRL
	OCSP *OCSPResponse
}

// Covers reports whether data issued at thisUpdate and valid to
// nextUpdate say something about time t (see the package doc).
func Covers(thisUpdate, nextUpdate, t time.Time) bool {
	return !thisUpdate.Before(t) || nextUpdate.IsZero() || !nextUpdate.Before(t)
}

var defaultHTTP = &http.Client{Timeout: 15 * time.Second}

// maxFetch bounds a fetched CRL or OCSP response.
const maxFetch = 32 << 20

// Check gives the revocation status of c, issued by issuer, at time at.
// A revoked certificate gives a Status with Revoked set and no error,
// whenever it was revoked: the caller compares RevokedAt with its own
// times. Errors wrap ErrUnavailable (nothing found, offline or
// unreachable) or ErrStale (only data older than at were found), with the
// reasons of each source that failed.
func Check(ctx context.Context, c, issuer *cert.Certificate, at time.Time, opts *Options) (*Status, error) {
	if opts == nil {
		opts = &Options{}
	}
	var problems []error
	stale := false
	consider := func(s *Status, err error) *Status {
		if err != nil {
			problems = append(problems, err)
			return nil
		}
		if s.Revoked && !s.RevokedAt.After(at) {
			return s
		}
		if !Covers(s.ThisUpdate, s.NextUpdate, at) {
			stale = true
			problems = append(problems, fmt.Errorf("%w: %s of %s valid until %s", ErrStale, s.Source,
				s.ThisUpdate.Format(time.RFC3339), s.NextUpdate.Format(time.RFC3339)))
			return nil
		}
		return s
	}
	for _, r := range opts.OCSPResponses {
		if r.About(c, issuer) {
			if s := consider(ocspStatus(r, issuer, "", false, opts.Certificates, opts.Memo)); s != nil {
				return s, nil
			}
		}
	}
	for _, l := range opts.CRLs {
		if l.Issued(issuer) {
			if s := consider(crlStatus(l, c, issuer, "", false)); s != nil {
				return s, nil
			}
		}
	}
	if !opts.Offline {
		hc := opts.HTTP
		if hc == nil {
			hc = defaultHTTP
		}
		for _, u := range OCSPServers(c) {
			if s := consider(askOCSP(ctx, hc, u, c, issuer)); s != nil {
				return s, nil
			}
		}
		for _, u := range CRLDistributionPoints(c) {
			if s := consider(fetchCRL(ctx, hc, u, c, issuer)); s != nil {
				return s, nil
			}
		}
	}
	base := ErrUnavailable
	if stale {
		base = ErrStale
	}
	if opts.Offline && !stale {
		problems = append(problems, errors.New("offline: no revocation data in the signature or given"))
	}
	if len(problems) == 0 {
		problems = append(problems, errors.New("the certificate names no OCSP responder and no CRL distribution point"))
	}
	return nil, fmt.Errorf("%w for %s: %w", base, c.Subject, errors.Join(problems...))
}

func ocspStatus(r *OCSPResponse, issuer *cert.Certificate, url string, fetched bool, extra []*cert.Certificate, memo *cert.Memo) (*Status, error) {
	signer, err := r.checkFor(issuer, memo, extra)
	if err != nil {
		return nil, err
	}
	if r.Status == OCSPUnknown {
		return nil, fmt.Errorf("%w: the OCSP responder does not know the certificate", ErrUnavailable)
	}
	return &Status{Source: SourceOCSP, Fetched: fetched, URL: url, Revoked: r.Status == OCSPRevoked, RevokedAt: r.RevokedAt,
		Reason: r.Reason, ThisUpdate: r.ThisUpdate, NextUpdate: r.NextUpdate, ProducedAt: r.ProducedAt, Signer: signer, OCSP: r}, nil
}

func crlStatus(l *CRL, c, issuer *cert.Certificate, url string, fetched bool) (*Status, error) {
	if err := l.CheckSignatureFrom(issuer); err != nil {
		return nil, err
	}
	s := &Status{Source: SourceCRL, Fetched: fetched, URL: url, ThisUpdate: l.ThisUpdate, NextUpdate: l.NextUpdate, Signer: issuer, CRL: l}
	s.RevokedAt, s.Reason, s.Revoked = l.Lookup(c.SerialNumber)
	return s, nil
}

func askOCSP(ctx context.Context, hc *http.Client, url string, c, issuer *cert.Certificate) (*Status, error) {
	req, nonce, err := NewOCSPRequest(c, issuer)
	if err != nil {
		return nil, err
	}
	der, err := post(ctx, hc, url, "application/ocsp-request", req)
	if err != nil {
		return nil, err
	}
	r, err := ParseOCSPResponse(der)
	if err != nil {
		return nil, fmt.Errorf("OCSP %s: %w", url, err)
	}
	if !r.About(c, issuer) {
		return nil, fmt.Errorf("%w: OCSP %s answered about another certificate", ErrMalformed, url)
	}
	if r.Nonce != nil && !bytes.Equal(r.Nonce, nonce) {
		return nil, fmt.Errorf("%w: OCSP %s answered with another nonce", ErrMalformed, url)
	}
	return ocspStatus(r, issuer, url, true, nil, nil)
}

func fetchCRL(ctx context.Context, hc *http.Client, url string, c, issuer *cert.Certificate) (*Status, error) {
	der, err := post(ctx, hc, url, "", nil)
	if err != nil {
		return nil, err
	}
	l, err := ParseCRL(der)
	if err != nil {
		return nil, fmt.Errorf("CRL %s: %w", url, err)
	}
	if !l.Issued(issuer) {
		return nil, fmt.Errorf("%w: CRL %s is not issued by %s", ErrMalformed, url, issuer.Subject)
	}
	return crlStatus(l, c, issuer, url, true)
}

// post posts body (or gets, without a content type) and returns the answer.
func post(ctx context.Context, hc *http.Client, url, contentType string, body []byte) ([]byte, error) {
	method := http.MethodGet
	if contentType != "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, url, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: HTTP %s", ErrUnavailable, url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFetch+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, url, err)
	}
	if len(data) > maxFetch {
		return nil, fmt.Errorf("%w: %s: more than %d bytes", ErrMalformed, url, maxFetch)
	}
	return data, nil
}

// OCSPServers returns the HTTP addresses of the OCSP responders named in
// c's authority information access.
func OCSPServers(c *cert.Certificate) []string {
	var out []string
	for _, e := range c.Extensions {
		if !e.ID.Equal(oidExtAIA) {
			continue
		}
		var ads []struct {
			Method   asn1.ObjectIdentifier
			Location asn1.RawValue
		}
		if _, err := asn1.Unmarshal(e.Value, &ads); err != nil {
			return nil
		}
		for _, ad := range ads {
			if ad.Method.Equal(oidAccessOCSP) && ad.Location.Class == asn1.ClassContextSpecific && ad.Location.Tag == 6 {
				out = appendHTTP(out, string(ad.Location.Bytes))
			}
		}
	}
	return out
}

// CRLDistributionPoints returns the HTTP addresses of c's CRL
// distribution points (full names only).
func CRLDistributionPoints(c *cert.Certificate) []string {
	var out []string
	for _, e := range c.Extensions {
		if !e.ID.Equal(oidExtCRLDP) {
			continue
		}
		var dps []asn1.RawValue
		if _, err := asn1.Unmarshal(e.Value, &dps); err != nil {
			return nil
		}
		for _, dp := range dps {
			// DistributionPoint { distributionPoint [0] { fullName [0]
			// IMPLICIT GeneralNames } ... }
			var dpn, full asn1.RawValue
			if _, err := asn1.Unmarshal(dp.Bytes, &dpn); err != nil || dpn.Class != asn1.ClassContextSpecific || dpn.Tag != 0 {
				continue
			}
			if _, err := asn1.Unmarshal(dpn.Bytes, &full); err != nil || full.Class != asn1.ClassContextSpecific || full.Tag != 0 {
				continue
			}
			rest := full.Bytes
			for len(rest) > 0 {
				var gn asn1.RawValue
				var err error
				if rest, err = asn1.Unmarshal(rest, &gn); err != nil {
					break
				}
				if gn.Class == asn1.ClassContextSpecific && gn.Tag == 6 {
					out = appendHTTP(out, string(gn.Bytes))
				}
			}
		}
	}
	return out
}

func appendHTTP(list []string, u string) []string {
	if strings.HasPrefix(strings.ToLower(u), "http://") || strings.HasPrefix(strings.ToLower(u), "https://") {
		return append(list, u)
	}
	return list
}

// pemOrDER returns the DER of the first PEM block of type typ in data, or
// data itself when it is not PEM.
func pemOrDER(data []byte, typ string) []byte {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return data
		}
		if b.Type == typ {
			return b.Bytes
		}
	}
}
