package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/zavera/zavera/gost"
)

type signHashParams struct {
	Certificate string   `json:"certificate"`
	Description string   `json:"description"`
	Hash        jsonView `json:"hash"`
}

type signHashResult struct {
	Signature []byte `json:"signature"`
}

// rawJournalTag starts the journal description of a raw signature.
const rawJournalTag = "[raw] "

// signHash makes a bare GOST R 34.10-2012 signature over a hash the page
// gives. Such a signature stands for any signature whose signed bytes
// hash to that value: a login signature's signed attributes included, so
// a page could build a login for another site with it. Only origins the
// machine-wide configuration lists in rawSignOrigins may ask; the user
// confirms a request that names it a signature without a container.
func (c *conn) signHash(ctx context.Context, req *request) (any, error) {
	var p signHashParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	if !c.s.rawSignAllowed(c.origin) {
		err := unseen{fmt.Errorf("%w: %s may not ask for a raw signature (rawSignOrigins)", ErrOriginNotAllowed, c.origin)}
		c.s.log.Info("raw signature refused", "origin", c.origin)
		c.writeSignature(Certificate{}, "", nil, err)
		return nil, err
	}
	desc, err := cleanText(p.Description, maxDescription)
	if err != nil {
		return nil, err
	}
	tc, err := c.s.findCertificate(ctx, p.Certificate)
	if err != nil {
		return nil, err
	}
	pub, ok := tc.Cert.PublicKey.(*gost.PublicKey)
	if !ok {
		return nil, &rpcError{CodeBadRequest, "a raw signature needs a GOST R 34.10-2012 key"}
	}
	if len(p.Hash) == 0 {
		return nil, badParams("params.hash is missing")
	}
	digest, err := b64(p.Hash, "params.hash")
	if err != nil {
		return nil, err
	}
	if n := pub.Curve().Size(); len(digest) != n {
		return nil, badParams("params.hash: %d bytes, the certificate's key needs %d", len(digest), n)
	}
	alg := "Streebog-256"
	if len(digest) == 64 {
		alg = "Streebog-512"
	}
	file := FileInfo{Hash: hex.EncodeToString(digest), HashAlg: alg}

	jdesc := rawJournalTag + desc
	rec := c.expectSignature()
	defer rec.cancel()
	g, err := c.authorise(ctx, tc, SigningRequest{
		Kind: SignRaw, Origin: c.origin, Description: desc, Files: []FileInfo{file}, Certificate: tc.Cert, Count: 1,
	})
	if err != nil {
		rec.write(tc, jdesc, digest, err)
		return nil, err
	}
	defer g.close()
	var sig []byte
	err = g.use(func(key Key) error {
		var err error
		sig, err = key.Sign(rand.Reader, digest, nil)
		return err
	})
	if err == nil {
		// A token's answer is checked before it leaves: a raw signature
		// has no container that a verifier would check it in.
		if verr := pub.Verify(digest, sig); verr != nil {
			err = fmt.Errorf("agent: the token's raw signature does not verify: %w", verr)
		}
	}
	if jerr := rec.write(tc, jdesc, digest, err); jerr != nil && err == nil {
		return nil, jerr
	}
	if err != nil {
		return nil, err
	}
	return signHashResult{Signature: sig}, nil
}

// rawSignAllowed reports whether the administrator lists origin in
// rawSignOrigins.
func (s *Server) rawSignAllowed(origin string) bool {
	for _, o := range s.cfg.RawSignOrigins {
		if canon, err := ParseOrigin(o); err == nil && canon == origin {
			return true
		}
	}
	return false
}
