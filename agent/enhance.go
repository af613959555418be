package agent

import (
	"context"
	"errors"
	"fmt"

	"github.com/zavera/zavera/cms"
)

type enhanceParams struct {
	Signature jsonView `json:"signature"`
	// SignatureDocument names an upload opened with keep that holds the
	// signature, instead of Signature.
	SignatureDocument string `json:"signatureDocument,omitempty"`
	Level             string `json:"level"`
	TSA               string `json:"tsa,omitempty"`
}

type enhanceResult struct {
	Signature []byte `json:"signature"`
}

// enhanceMethod makes a signature the page holds long-term (CAdES-T or
// CAdES-X Long Type 1), as `zavera enhance` does. It uses no key and
// shows nothing: the signature's values are already the page's, and what
// leaves the machine is what a long-term sign sends, the hash of each
// signature value to the time-stamping authority (chosen by the same
// rules as sign's) and, for XLT1, the certificates' serial numbers to
// their CA's responders. An approved origin is required, the limits of
// verify apply, and every signer's signature value must verify with its
// certificate, so that the TSA is never asked to stamp arbitrary bytes.
// Signers already at the level asked are left as they are.
func (c *conn) enhanceMethod(ctx context.Context, req *request) (any, error) {
	var p enhanceParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	level, err := signLevel(p.Level)
	if err != nil {
		return nil, err
	}
	if level == LevelBES {
		return nil, badParams("params.level: enhance makes T or XLT1")
	}
	tsa, err := c.s.tsaFor(level, p.TSA)
	if err != nil {
		return nil, err
	}
	sig, err := c.signatureParam(p.Signature, p.SignatureDocument)
	if err != nil {
		return nil, err
	}
	if _, err := parseSignature(sig); err != nil {
		return nil, err
	}
	if err := signersVerify(sig); err != nil {
		return nil, err
	}
	c.s.log.Info("enhancing a signature", "origin", c.origin, "level", level, "tsa", tsa)
	out, err := c.s.enhance(ctx, sig, level, tsa, nil)
	if err != nil {
		return nil, err
	}
	return enhanceResult{Signature: out}, nil
}

// signersVerify refuses a signature one of whose signers has no
// certificate in it or a signature value that does not verify over its
// signed attributes. The document is not needed: a detached signature's
// messageDigest is not compared.
func signersVerify(sig []byte) error {
	res, _ := cms.Verify(sig, &cms.VerifyOptions{})
	if res == nil {
		return &rpcError{CodeBadRequest, "params.signature does not parse"}
	}
	for i, r := range res.Signers {
		ch, ok := r.Check(cms.CheckSignature)
		if r.Certificate == nil || !ok || ch.Outcome != cms.Passed {
			detail := "no certificate or signature value that verifies"
			if ok && ch.Err != nil && !errors.Is(ch.Err, cms.ErrInvalidArgument) {
				detail = ch.Err.Error()
			}
			return &rpcError{CodeBadRequest, fmt.Sprintf("signer %d of the signature: %s", i+1, detail)}
		}
	}
	return nil
}
