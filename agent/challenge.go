package agent

import (
	"bytes"
	"context"
	"fmt"

	"github.com/zavera/zavera/login"
)

// ChallengeContent returns the bytes that signChallenge signs for a page of
// the given origin and its nonce:
//
//	zavera-login-v1\norigin=ORIGIN\nnonce=BASE64URL(NONCE)\n
//
// The origin is the one the agent saw in the Origin header, in canonical
// form, so a signature taken by one site cannot be replayed to another. The
// signature's content type is login.ContentType, which sign and signBatch
// never write: a portal verifies it with login.Verify, which rebuilds these
// bytes (login.Content) from the portal's own origin and the nonce it
// issued.
func ChallengeContent(origin string, nonce []byte) []byte {
	return login.Content(origin, nonce)
}

// refuseLoginContent refuses data that sign or signBatch were asked to
// sign when it starts like a login challenge: those bytes are signed by
// signChallenge alone, with the origin the agent saw. A portal that checks
// the content type refuses such a document signature anyway; this keeps
// one that does not from accepting it.
func refuseLoginContent(data []byte, field string) error {
	if bytes.HasPrefix(data, []byte(login.Prefix)) {
		return &rpcError{CodeBadRequest, fmt.Sprintf("%s starts with %q: a login challenge is signed only by signChallenge", field, login.Prefix)}
	}
	return nil
}

type challengeParams struct {
	Certificate string `json:"certificate"`
	Nonce       []byte `json:"nonce"`
	Description string `json:"description,omitempty"`
}

type challengeResult struct {
	Signature []byte `json:"signature"`
	Content   []byte `json:"content"`
}

func (c *conn) signChallenge(ctx context.Context, req *request) (any, error) {
	var p challengeParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	if len(p.Nonce) < login.MinNonce || len(p.Nonce) > login.MaxNonce {
		return nil, badParams("nonce must be %d to %d bytes", login.MinNonce, login.MaxNonce)
	}
	desc, err := cleanText(p.Description, maxDescription)
	if err != nil {
		return nil, err
	}
	if desc == "" {
		desc = "Log in to " + c.origin
	}
	tc, err := c.s.findCertificate(ctx, p.Certificate)
	if err != nil {
		return nil, err
	}
	content := ChallengeContent(c.origin, p.Nonce)
	doc := decoded{data: content, login: true}
	if err := doc.hashData(tc); err != nil {
		return nil, err
	}
	rec := c.expectSignature()
	defer rec.cancel()
	g, err := c.authorise(ctx, tc, SigningRequest{
		Kind: SignChallenge, Origin: c.origin, Description: desc, Certificate: tc.Cert, Count: 1,
	})
	if err != nil {
		rec.write(tc, desc, nil, err)
		return nil, err
	}
	defer g.close()
	sig, digest, err := g.sign(doc)
	if jerr := rec.write(tc, desc, digest, err); jerr != nil && err == nil {
		return nil, jerr
	}
	if err != nil {
		return nil, err
	}
	return challengeResult{Signature: sig, Content: content}, nil
}
