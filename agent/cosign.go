package agent

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/zavera/zavera/cms"
)

// idData is the eContentType of a document signature, the only type
// cosign adds a signer to.
const idData = "1.2.840.113549.1.7.1"

type cosignParams struct {
	Certificate string   `json:"certificate"`
	Description string   `json:"description"`
	Signature   jsonView `json:"signature"`
	Data        jsonView `json:"data,omitempty"`
	Hash        jsonView `json:"hash,omitempty"`
	Name        string   `json:"name,omitempty"`
	Size        int64    `json:"size,omitempty"`
	// Chain says which CA certificates of the new signer the signature
	// gains (chain.go).
	Chain string `json:"chain,omitempty"`
	// SignatureDocument names an upload opened with keep that holds the
	// signature, instead of Signature; Document names an upload of a
	// detached signature's content, instead of Data or Hash.
	SignatureDocument string `json:"signatureDocument,omitempty"`
	Document          string `json:"document,omitempty"`
	// Level and TSA ask for a long-term co-signature, as in sign: only the
	// signer added is time-stamped and given its validation data.
	Level string `json:"level,omitempty"`
	TSA   string `json:"tsa,omitempty"`
}

// cosign adds the user's signature to an existing one, keeping its
// signers. Only a document signature (id-data) is co-signed, and the new
// signer signs id-data, so cosign never makes a login signature; content
// that starts like a login challenge is refused as sign refuses it.
func (c *conn) cosign(ctx context.Context, req *request) (any, error) {
	var p cosignParams
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
	if p.Size < 0 {
		return nil, badParams("params.size is negative")
	}
	mode, err := checkChain(p.Chain)
	if err != nil {
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
	if ct := sd.ContentType.String(); ct != idData {
		return nil, &rpcError{CodeBadRequest, fmt.Sprintf("the signature's content type is %s: only document signatures (id-data) are co-signed", ct)}
	}
	level, err := signLevel(p.Level)
	if err != nil {
		return nil, err
	}
	tsa, err := c.s.tsaFor(level, p.TSA)
	if err != nil {
		return nil, err
	}
	tc, err := c.s.findCertificate(ctx, p.Certificate)
	if err != nil {
		return nil, err
	}
	doc, err := c.cosignDocument(sd, tc, p)
	if err != nil {
		return nil, err
	}
	if name != "" || doc.file.Name == "" {
		doc.file.Name = name
	}
	if doc.data == nil && doc.file.Size == 0 {
		doc.file.Size = p.Size
	}
	names, err := cosigners(sig, doc)
	if err != nil {
		return nil, err
	}

	rec := c.expectSignature()
	defer rec.cancel()
	g, err := c.authorise(ctx, tc, SigningRequest{
		Kind: SignCosign, Origin: c.origin, Description: desc, Files: []FileInfo{doc.file},
		Certificate: tc.Cert, Count: 1, Cosigners: names,
	})
	if err != nil {
		rec.write(tc, desc, doc.digest, err)
		return nil, err
	}
	defer g.close()
	chain := c.s.chainFor(ctx, tc, mode)
	var out []byte
	err = g.use(func(key Key) error {
		var err error
		out, err = cms.AddSignerDigest(sig, doc.digest, cms.Signer{Key: key, Certificate: tc.Cert, Chain: chain},
			&cms.Options{SigningTime: c.s.now(), IncludeChain: len(chain) > 0})
		return err
	})
	if jerr := rec.write(tc, desc, doc.digest, err); jerr != nil && err == nil {
		return nil, jerr
	}
	if err != nil {
		return nil, err
	}
	// The new signer is the last of the signerInfos.
	if out, err = c.s.enhance(ctx, out, level, tsa, []int{len(sd.SignerInfos)}); err != nil {
		return nil, err
	}
	return signResult{Signature: out, Digest: doc.digest}, nil
}

// signatureParam is the signature a page gives to cosign or verify:
// inline in base64, or by the id of an upload opened with keep.
func (c *conn) signatureParam(inline jsonView, docID string) ([]byte, error) {
	switch {
	case len(inline) > 0 && docID != "":
		return nil, badParams("params: give either signature or signatureDocument")
	case docID != "":
		return c.keptUpload(docID, "params.signatureDocument")
	case len(inline) == 0:
		return nil, badParams("params.signature is missing")
	}
	return b64(inline, "params.signature")
}

// maxSigners bounds the signers of a signature that cosign or verify
// checks, each a public-key verification: real documents have a few.
const maxSigners = 100

// parseSignature parses a page's CMS SignedData with at least one signer
// and at most maxSigners.
func parseSignature(sig []byte) (*cms.SignedData, error) {
	sd, err := cms.ParseAny(sig)
	if err != nil {
		return nil, &rpcError{CodeBadRequest, fmt.Sprintf("params.signature: %v", err)}
	}
	if len(sd.SignerInfos) == 0 {
		return nil, &rpcError{CodeBadRequest, "params.signature has no signer"}
	}
	if len(sd.SignerInfos) > maxSigners {
		return nil, &rpcError{CodeTooLarge, fmt.Sprintf("params.signature has more than %d signers", maxSigners)}
	}
	return sd, nil
}

// cosignDocument finds the document a co-signature covers: the
// signature's own content, or the page's data or hash for a detached
// one, with the digest the new signer's key needs.
func (c *conn) cosignDocument(sd *cms.SignedData, tc Certificate, p cosignParams) (decoded, error) {
	var d decoded
	hasData, hasHash, hasDoc := len(p.Data) > 0, len(p.Hash) > 0, p.Document != ""
	given := 0
	for _, h := range []bool{hasData, hasHash, hasDoc} {
		if h {
			given++
		}
	}
	if !sd.Detached {
		if given > 0 {
			return d, badParams("the signature carries its content: give neither data, hash nor document")
		}
		d.data, d.attached = sd.Content, true
	} else if given != 1 {
		return d, badParams("a detached signature needs one of data, hash and document")
	}
	var err error
	if hasDoc {
		// The upload's digest stands for the content, as a hash does,
		// with the upload's name, size and preview for the confirmation.
		if d, err = c.uploaded(p.Document, tc, "params"); err != nil {
			return d, err
		}
		d.hash = d.digest
		return d, nil
	}
	if hasData {
		if d.data, err = b64(p.Data, "params.data"); err != nil {
			return d, err
		}
	}
	if d.data != nil || !sd.Detached {
		if err := refuseLoginContent(d.data, "the content"); err != nil {
			return d, err
		}
		d.file.Size = int64(len(d.data))
		return d, d.hashData(tc)
	}
	if d.hash, err = b64(p.Hash, "params.hash"); err != nil {
		return d, err
	}
	alg, size, err := cms.DigestFor(tc.Cert.PublicKey, 0)
	if err != nil {
		return d, fmt.Errorf("agent: certificate %s: %w", tc.ID, err)
	}
	if len(d.hash) != size {
		return d, badParams("params.hash: %d bytes, the certificate's key needs %d", len(d.hash), size)
	}
	d.digest = d.hash
	d.file.Hash, d.file.HashAlg = hex.EncodeToString(d.hash), alg
	return d, nil
}

// cosigners checks the signers already on sig against the document and
// returns their names for the confirmation. A signer whose messageDigest
// or signature does not verify refuses the request: the user would co-sign
// another document than the first signers did. A signer whose digest
// algorithm is not that of the hash the page gave is not checked.
func cosigners(sig []byte, d decoded) ([]string, error) {
	opts := &cms.VerifyOptions{}
	if d.hash != nil {
		opts.Digest = d.hash
	} else if !d.attached {
		opts.Content = bytes.NewReader(d.data)
	}
	res, _ := cms.Verify(sig, opts)
	if res == nil {
		return nil, &rpcError{CodeBadRequest, "params.signature does not parse"}
	}
	var names []string
	for i, r := range res.Signers {
		names = append(names, signerName(r))
		// A hash stands for the document only under its own algorithm:
		// cms.Verify matches it to signers by length, so a signer of
		// another algorithm of that length is not checked against it.
		if d.hash != nil && r.DigestAlgorithm != d.file.HashAlg {
			continue
		}
		for _, name := range []cms.CheckName{cms.CheckMessageDigest, cms.CheckSignature} {
			ch, ok := r.Check(name)
			if ok && ch.Outcome == cms.Failed && !errors.Is(ch.Err, cms.ErrInvalidArgument) {
				return nil, &rpcError{CodeBadRequest, fmt.Sprintf("signer %d of the signature does not verify over the document: %v", i+1, ch.Err)}
			}
		}
	}
	return names, nil
}

// signerName is what the confirmation calls a signer: the common name of
// its certificate, or its subject, cleaned for display.
func signerName(r *cms.SignerResult) string {
	if r.Certificate == nil {
		return "unknown signer"
	}
	n := r.Certificate.Subject.CommonName
	if n == "" {
		n = r.Certificate.Subject.String()
	}
	if s, err := cleanText(n, maxFileName); err == nil && s != "" {
		return s
	}
	return "unknown signer"
}
