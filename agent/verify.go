package agent

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
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
	Valid   bool           `json:"valid"`
	Content []byte         `json:"content,omitempty"`
	Signers []verifySigner `json:"signers"`
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
	Checks           []checkJSON  `json:"checks"`
}

type checkJSON struct {
	Name    string `json:"name"`
	Outcome string `json:"outcome"`
}

// verify checks a signature for the page. It uses no key, shows nothing
// and writes no journal record; the chain is built from the signature's
// certificates and the configured trust anchors, without the network.
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
	opts := &cms.VerifyOptions{Time: c.s.now()}
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
	if opts.Roots, err = c.s.trustAnchors(); err != nil {
		return nil, err
	}
	res, _ := cms.Verify(sig, opts)
	if res == nil {
		return nil, &rpcError{CodeBadRequest, "params.signature does not parse"}
	}
	out := verifyResult{Valid: true, Signers: []verifySigner{}}
	// The content of a signature the page uploaded stays with the page,
	// which has it.
	if !sd.Detached && p.SignatureDocument == "" {
		out.Content = sd.Content
	}
	for _, r := range res.Signers {
		v := describeSigner(r, len(opts.Roots) > 0)
		if docAlg != "" && r.DigestAlgorithm != docAlg {
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
