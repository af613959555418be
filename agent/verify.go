package agent

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/validate"
)

type verifyParams struct {
	Signature jsonView `json:"signature"`
	Data      jsonView `json:"data,omitempty"`
	Hash      jsonView `json:"hash,omitempty"`
	// SignatureDocument and Document name uploads instead of Signature
	// and Data, as for cosign.
	SignatureDocument string `json:"signatureDocument,omitempty"`
	Document          string `json:"document,omitempty"`
}

type verifyResult struct {
	Valid bool `json:"valid"`
	// Indication is the verdict on the whole signature: PASSED, FAILED or
	// INDETERMINATE (package validate).
	Indication string         `json:"indication"`
	Content    []byte         `json:"content,omitempty"`
	Signers    []verifySigner `json:"signers"`
}

// Chain outcomes of a signer.
const (
	chainValid     = "valid"
	chainInvalid   = "invalid"
	chainUnchecked = "unchecked"
)

type verifySigner struct {
	Certificate      []byte       `json:"certificate,omitempty"`
	Subject          *subjectJSON `json:"subject,omitempty"`
	SigningTime      *time.Time   `json:"signingTime,omitempty"`
	DigestAlgorithm  string       `json:"digestAlgorithm"`
	SignatureValid   bool         `json:"signatureValid"`
	CertificateValid bool         `json:"certificateValid"`
	Chain            string       `json:"chain"`
	Valid            bool         `json:"valid"`
	// Indication and SubIndication are the signer's verdict as ETSI EN
	// 319 102-1 names it, the same as `zavera verify` gives.
	Indication     string    `json:"indication"`
	SubIndication  string    `json:"subIndication,omitempty"`
	ValidationTime time.Time `json:"validationTime"`
	// AccreditedCA names the CA of the configured trusted list that the
	// path goes through.
	AccreditedCA *accreditedCAJSON `json:"accreditedCA,omitempty"`
	Checks       []checkJSON       `json:"checks"`
	// Revocation is whether a certificate of the path was revoked, from
	// the revocation data the signature carries only (verify.go).
	Revocation revocationJSON `json:"revocation"`
	// Timestamps are the verdicts on the signer's time-stamps, and
	// BestSignatureTime the earliest time one that passed proves.
	Timestamps        []timestampJSON `json:"timestamps,omitempty"`
	BestSignatureTime *time.Time      `json:"bestSignatureTime,omitempty"`
	// ValidationTimeSource says where ValidationTime comes from:
	// "timestamp", "signing-time" or "current".
	ValidationTimeSource string `json:"validationTimeSource"`
}

// revocationJSON sums up the revocation of a signer's path for the page.
type revocationJSON struct {
	// Status is "good", "revoked", "unavailable" (the signature carries
	// no revocation data for a certificate), "stale" or "not-checked"
	// (no path to a trust anchor was found).
	Status string `json:"status"`
	// Offline is always true: verify asks no responder on a page's
	// behalf.
	Offline      bool                 `json:"offline"`
	Certificates []revocationCertJSON `json:"certificates,omitempty"`
}

type revocationCertJSON struct {
	Subject    string     `json:"subject"`
	Status     string     `json:"status"`
	Source     string     `json:"source,omitempty"`
	ThisUpdate *time.Time `json:"thisUpdate,omitempty"`
	NextUpdate *time.Time `json:"nextUpdate,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

type timestampJSON struct {
	// Type is "signature-time-stamp" or "cades-c-time-stamp".
	Type          string    `json:"type"`
	Indication    string    `json:"indication"`
	SubIndication string    `json:"subIndication,omitempty"`
	Time          time.Time `json:"time"`
	TSA           string    `json:"tsa,omitempty"`
}

type accreditedCAJSON struct {
	Name           string     `json:"name"`
	RegistryNumber string     `json:"registryNumber,omitempty"`
	OGRN           string     `json:"ogrn,omitempty"`
	Accredited     bool       `json:"accredited"`
	From           *time.Time `json:"from,omitempty"`
	To             *time.Time `json:"to,omitempty"`
}

type checkJSON struct {
	Name    string `json:"name"`
	Outcome string `json:"outcome"`
}

// verify checks a signature for the page. It uses no key, shows nothing
// and writes no journal record; the chain is built from the signature's
// certificates and the configured trust anchors, and revocation is
// checked with the CRLs and OCSP responses the signature carries, all
// without the network: a page cannot make the agent contact a server.
func (c *conn) verify(_ context.Context, req *request) (any, error) {
	var p verifyParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	sig, err := c.signatureParam(p.Signature, p.SignatureDocument)
	if err != nil {
		return nil, err
	}
	sd, err := parseSignature(sig)
	if err != nil {
		return nil, err
	}
	opts := &validate.Options{Now: c.s.now, Revocation: &validate.RevocationOptions{Offline: true}}
	hasData, hasHash, hasDoc := len(p.Data) > 0, len(p.Hash) > 0, p.Document != ""
	var docAlg string // the upload's digest algorithm
	given := 0
	for _, h := range []bool{hasData, hasHash, hasDoc} {
		if h {
			given++
		}
	}
	switch {
	case !sd.Detached && given > 0:
		return nil, badParams("the signature carries its content: give neither data, hash nor document")
	case sd.Detached && given != 1:
		return nil, badParams("a detached signature needs one of data, hash and document")
	case hasDoc:
		// The upload's digest stands for the content; a signer whose
		// digest algorithm is another fails its messageDigest check.
		d, err := c.completeUpload(p.Document, "params.document")
		if err != nil {
			return nil, err
		}
		opts.Digest, docAlg = d.digest, d.alg
	case hasData:
		data, err := b64(p.Data, "params.data")
		if err != nil {
			return nil, err
		}
		opts.Content = bytes.NewReader(data)
	case hasHash:
		if opts.Digest, err = b64(p.Hash, "params.hash"); err != nil {
			return nil, err
		}
	}
	if opts.Anchors, err = c.s.trustAnchors(); err != nil {
		return nil, err
	}
	if opts.TrustList, err = c.s.trustList(); err != nil {
		return nil, err
	}
	rep, err := validate.Validate(sig, opts)
	if err != nil {
		return nil, &rpcError{CodeBadRequest, "params.signature has no signer to check, or cannot be checked with the data or hash given"}
	}
	out := verifyResult{Valid: true, Indication: string(rep.Indication()), Signers: []verifySigner{}}
	// The content of a signature the page uploaded stays with the page,
	// which has it.
	if !sd.Detached && p.SignatureDocument == "" {
		out.Content = sd.Content
	}
	for _, s := range rep.Signatures {
		v := describeSigner(s.Signer, len(opts.Anchors) > 0 || opts.TrustList != nil)
		v.Indication, v.SubIndication, v.ValidationTime = string(s.Indication), string(s.SubIndication), s.ValidationTime.UTC()
		if t := s.TrustList; t != nil {
			a := &accreditedCAJSON{Name: t.CA.Name, RegistryNumber: t.CA.RegistryNumber, OGRN: t.CA.OGRN, Accredited: t.Accredited}
			if t.Accredited {
				from := t.Period.From.UTC()
				a.From = &from
				if !t.Period.To.IsZero() {
					to := t.Period.To.UTC()
					a.To = &to
				}
			}
			v.AccreditedCA = a
		}
		describeLongTerm(&v, s)
		if docAlg != "" && s.Signer.DigestAlgorithm != docAlg {
			// The upload was hashed with another algorithm than this
			// signer's: its messageDigest could not be compared.
			v.SignatureValid, v.Valid = false, false
			v.Checks = append(v.Checks, checkJSON{Name: string(cms.CheckMessageDigest), Outcome: cms.Failed.String()})
		}
		out.Valid = out.Valid && v.Valid
		out.Signers = append(out.Signers, v)
	}
	return out, nil
}

// describeLongTerm adds the revocation and time-stamps of a signer's
// report. A certificate of the path revoked before the validation time
// makes the signer invalid.
func describeLongTerm(v *verifySigner, s *validate.SignatureReport) {
	v.ValidationTimeSource = s.ValidationTimeSource
	v.Revocation = revocationJSON{Status: s.Revocation, Offline: true}
	utc := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.UTC()
		return &t
	}
	for _, r := range s.RevocationChecks {
		name := r.Certificate.Subject.CommonName
		if name == "" {
			name = r.Certificate.Subject.String()
		}
		v.Revocation.Certificates = append(v.Revocation.Certificates, revocationCertJSON{
			Subject: name, Status: r.Status, Source: r.Source,
			ThisUpdate: utc(r.ThisUpdate), NextUpdate: utc(r.NextUpdate), RevokedAt: utc(r.RevokedAt),
		})
	}
	if s.Revocation == validate.RevocationRevoked {
		// Revoked before the time the signature is proven or claimed
		// to exist (a later revocation leaves it valid).
		v.Valid = false
	}
	for _, t := range s.Timestamps {
		tj := timestampJSON{Type: t.Type, Indication: string(t.Indication), SubIndication: string(t.SubIndication), Time: t.GenTime.UTC()}
		if t.TSA != nil {
			tj.TSA = t.TSA.Subject.CommonName
		}
		v.Timestamps = append(v.Timestamps, tj)
	}
	if len(v.Timestamps) > 0 {
		v.BestSignatureTime = utc(s.BestSignatureTime)
	}
}

// describeSigner sums up a signer's checks for the page.
func describeSigner(r *cms.SignerResult, anchors bool) verifySigner {
	v := verifySigner{DigestAlgorithm: r.DigestAlgorithm, Checks: []checkJSON{}}
	if r.Certificate != nil {
		v.Certificate = r.Certificate.Raw
		s := r.Certificate.Subject
		v.Subject = &subjectJSON{
			CommonName: s.CommonName, Surname: s.Surname, GivenName: s.GivenName, Title: s.Title,
			Organization: s.Organization, Email: s.Email,
			INN: s.PersonINN(), INNLE: s.OrganizationINN(), OGRN: s.OGRN, OGRNIP: s.OGRNIP, SNILS: s.SNILS,
		}
	}
	if r.HasSigningTime {
		t := r.SigningTime.UTC()
		v.SigningTime = &t
	}
	outcome := map[cms.CheckName]cms.Outcome{}
	for _, ch := range r.Checks {
		outcome[ch.Name] = ch.Outcome
		v.Checks = append(v.Checks, checkJSON{Name: string(ch.Name), Outcome: ch.Outcome.String()})
	}
	failed := func(names ...cms.CheckName) bool {
		for _, n := range names {
			if outcome[n] == cms.Failed {
				return true
			}
		}
		return false
	}
	v.SignatureValid = outcome[cms.CheckSignature] == cms.Passed && outcome[cms.CheckMessageDigest] != cms.Failed &&
		!failed(cms.CheckContentType, cms.CheckSigningCertificate, cms.CheckAlgorithmProtection)
	v.CertificateValid = outcome[cms.CheckCertificate] == cms.Passed && outcome[cms.CheckValidity] == cms.Passed &&
		!failed(cms.CheckKeyUsage)
	switch {
	case !anchors:
		v.Chain = chainUnchecked
	case outcome[cms.CheckChain] == cms.Passed:
		v.Chain = chainValid
	default:
		v.Chain = chainInvalid
	}
	v.Valid = v.SignatureValid && v.CertificateValid && v.Chain == chainValid
	return v
}

// trustAnchors reads the CA certificates the configuration names. They
// are read at each verify, which is rare, so that a changed file needs no
// restart; a file that cannot be read fails the request (logged) rather
// than being skipped in silence.
func (s *Server) trustAnchors() ([]*cert.Certificate, error) {
	var out []*cert.Certificate
	for _, path := range s.cfg.TrustAnchors {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("agent: trust anchors: %w", err)
		}
		certs, err := cert.ParseAll(data)
		if err != nil {
			return nil, fmt.Errorf("agent: trust anchors %s: %w", path, err)
		}
		out = append(out, certs...)
	}
	return out, nil
}

// trustList returns the configured trusted list of accredited CAs, nil
// when none is set. The published list is tens of megabytes, so the parsed
// list is kept and read again only when the file's size or modification
// time changes; a file that cannot be read fails the request, as for
// trustAnchors.
func (s *Server) trustList() (*validate.TrustList, error) {
	if s.cfg.TrustList == "" {
		return nil, nil
	}
	return s.trustLists.get(s.cfg.TrustList)
}

// trustListCache holds the last trusted list read. Safe for concurrent use.
type trustListCache struct {
	mu      sync.Mutex
	path    string
	size    int64
	modTime time.Time
	list    *validate.TrustList
}

func (c *trustListCache) get(path string) (*validate.TrustList, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("agent: trusted list: %w", err)
	}
	if c.list != nil && c.path == path && c.size == st.Size() && c.modTime.Equal(st.ModTime()) {
		return c.list, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("agent: trusted list: %w", err)
	}
	tl, err := validate.ParseTrustList(data)
	if err != nil {
		return nil, fmt.Errorf("agent: trusted list %s: %w", path, err)
	}
	c.path, c.size, c.modTime, c.list = path, st.Size(), st.ModTime(), tl
	return tl, nil
}
