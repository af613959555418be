package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/xmldsig"
)

// signXML makes an XML signature (XMLDSig with GOST R 34.10-2012, see
// package xmldsig) of a document the page gives whole. The same rules as
// sign apply: the origin must be approved, the user confirms in Zavera's
// window, which shows the start of the document and the digest of what
// the signature covers, and the PIN is asked there.

// XML signature layouts a page may ask for, as CryptoPro's SignedXML
// names them in SignatureType.
var xmlTypes = map[string]xmldsig.Type{
	"enveloped":  xmldsig.Enveloped,
	"enveloping": xmldsig.Enveloping,
	"template":   xmldsig.Template,
}

type signXMLParams struct {
	Certificate     string   `json:"certificate"`
	Description     string   `json:"description"`
	Name            string   `json:"name,omitempty"`
	XML             jsonView `json:"xml"`
	Type            string   `json:"type,omitempty"`
	SignatureMethod string   `json:"signatureMethod,omitempty"`
	DigestMethod    string   `json:"digestMethod,omitempty"`
}

type signXMLResult struct {
	XML    []byte `json:"xml"`
	Digest []byte `json:"digest"`
}

func (c *conn) signXML(ctx context.Context, req *request) (any, error) {
	var p signXMLParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	desc, err := cleanText(p.Description, maxDescription)
	if err != nil {
		return nil, err
	}
	name, err := cleanText(p.Name, maxFileName)
	if err != nil {
		return nil, err
	}
	if p.Type == "" {
		p.Type = "enveloped"
	}
	typ, ok := xmlTypes[p.Type]
	if !ok {
		return nil, badParams("params.type must be enveloped, enveloping or template")
	}
	if len(p.XML) == 0 {
		return nil, badParams("params.xml is missing")
	}
	src, err := b64(p.XML, "params.xml")
	if err != nil {
		return nil, err
	}
	if err := refuseLoginContent(src, "params.xml"); err != nil {
		return nil, err
	}
	tc, err := c.s.findCertificate(ctx, p.Certificate)
	if err != nil {
		return nil, err
	}
	prep, err := xmldsig.Prepare(src, xmldsig.Options{Type: typ, Certificate: tc.Cert,
		SignatureMethod: p.SignatureMethod, DigestMethod: p.DigestMethod})
	if err != nil {
		return nil, &rpcError{CodeBadRequest, fmt.Sprintf("params.xml: %v", err)}
	}
	files := xmlFiles(src, name, prep.References)
	digest := prep.References[0].Digest

	rec := c.expectSignature()
	defer rec.cancel()
	g, err := c.authorise(ctx, tc, SigningRequest{
		Kind: SignDocument, Origin: c.origin, Description: desc, Files: files, Certificate: tc.Cert, Count: 1,
	})
	if err != nil {
		rec.write(tc, desc, digest, err)
		return nil, err
	}
	defer g.close()
	var out []byte
	err = g.use(func(k Key) error {
		sig, err := k.Sign(rand.Reader, prep.Digest, nil)
		if err != nil {
			return err
		}
		out, err = prep.Finish(sig)
		if errors.Is(err, xmldsig.ErrBadSignature) {
			err = fmt.Errorf("agent: the token's XML signature does not verify: %w", err)
		}
		return err
	})
	if jerr := rec.write(tc, desc, digest, err); jerr != nil && err == nil {
		return nil, jerr
	}
	if err != nil {
		return nil, err
	}
	return signXMLResult{XML: out, Digest: digest}, nil
}

// xmlFiles describes what an XML signature covers for the confirmation:
// the document with its start shown and, for each reference, the digest
// the signature carries; a reference to a part of the document is named
// by its Id after the document's name.
func xmlFiles(src []byte, name string, refs []xmldsig.Reference) []FileInfo {
	if name == "" {
		name = "document.xml"
	}
	out := make([]FileInfo, 0, len(refs))
	for i, r := range refs {
		f := FileInfo{Name: name, Size: int64(len(src)), Hash: hex.EncodeToString(r.Digest), HashAlg: r.DigestName}
		if r.URI != "" {
			f.Name = name + " (" + r.URI + ")"
		}
		if i == 0 && isText(src) {
			f.Preview, f.PreviewType = preview(src), "xml"
		}
		out = append(out, f)
	}
	return out
}

type verifyXMLParams struct {
	XML jsonView `json:"xml"`
}

type verifyXMLResult struct {
	Valid   bool              `json:"valid"`
	Signers []verifyXMLSigner `json:"signers"`
}

type verifyXMLSigner struct {
	Certificate     []byte         `json:"certificate,omitempty"`
	Subject         *subjectJSON   `json:"subject,omitempty"`
	SignatureMethod string         `json:"signatureMethod"`
	References      []xmlReference `json:"references"`
	SignatureValid  bool           `json:"signatureValid"`
	// Reason says why SignatureValid is false: digest (a reference's
	// content changed), signature, unsupported or malformed.
	Reason           string `json:"reason,omitempty"`
	CertificateValid bool   `json:"certificateValid"`
	Chain            string `json:"chain"`
	Valid            bool   `json:"valid"`
}

type xmlReference struct {
	URI             string `json:"uri"`
	DigestAlgorithm string `json:"digestAlgorithm"`
}

// verifyXML checks the XML signatures of a document for the page. Like
// verify it uses no key, shows nothing and writes no journal record; the
// signer's certificate is checked at the current time against the
// configured trust anchors.
func (c *conn) verifyXML(ctx context.Context, req *request) (any, error) {
	var p verifyXMLParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	if len(p.XML) == 0 {
		return nil, badParams("params.xml is missing")
	}
	src, err := b64(p.XML, "params.xml")
	if err != nil {
		return nil, err
	}
	res, err := xmldsig.Verify(src)
	if err != nil {
		return nil, &rpcError{CodeBadRequest, fmt.Sprintf("params.xml: %v", err)}
	}
	roots, err := c.s.trustAnchors()
	if err != nil {
		return nil, err
	}
	out := verifyXMLResult{Valid: true, Signers: []verifyXMLSigner{}}
	for _, r := range res {
		v := verifyXMLSigner{SignatureMethod: r.SignatureMethod, References: []xmlReference{}, SignatureValid: r.Err == nil}
		for _, ref := range r.References {
			v.References = append(v.References, xmlReference{URI: ref.URI, DigestAlgorithm: ref.DigestName})
		}
		switch {
		case r.Err == nil:
		case errors.Is(r.Err, xmldsig.ErrDigestMismatch):
			v.Reason = "digest"
		case errors.Is(r.Err, xmldsig.ErrBadSignature):
			v.Reason = "signature"
		case errors.Is(r.Err, xmldsig.ErrUnsupported):
			v.Reason = "unsupported"
		default:
			v.Reason = "malformed"
		}
		if r.Err != nil {
			c.s.log.Info("XML signature does not verify", "origin", c.origin, "err", r.Err)
		}
		v.Chain = chainUnchecked
		if r.Certificate != nil {
			v.Certificate = r.Certificate.Raw
			v.Subject = subjectOf(r.Certificate)
			v.CertificateValid = r.Certificate.ValidAt(c.s.now()) == nil
			if len(roots) > 0 {
				v.Chain = chainInvalid
				if _, err := (cert.VerifyOptions{Roots: roots, Intermediates: c.s.knownCAs(ctx), At: c.s.now()}).Verify(r.Certificate); err == nil {
					v.Chain = chainValid
				}
			}
		}
		v.Valid = v.SignatureValid && v.CertificateValid && v.Chain == chainValid
		out.Valid = out.Valid && v.Valid
		out.Signers = append(out.Signers, v)
	}
	return out, nil
}

// subjectOf is a certificate's subject as verify gives it.
func subjectOf(c *cert.Certificate) *subjectJSON {
	s := c.Subject
	return &subjectJSON{
		CommonName: s.CommonName, Surname: s.Surname, GivenName: s.GivenName, Title: s.Title,
		Organization: s.Organization, Email: s.Email,
		INN: s.PersonINN(), INNLE: s.OrganizationINN(), OGRN: s.OGRN, OGRNIP: s.OGRNIP, SNILS: s.SNILS,
	}
}
