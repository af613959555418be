package agent

import (
	"bytes"
	"context"
	"encoding/base64"
)

// Bounds on a login nonce.
const (
	minNonce = 16
	maxNonce = 256
)

// ChallengeContent returns the bytes that signChallenge signs for a page of
// the given origin and its nonce:
//
//	zavera-login-v1\norigin=ORIGIN\nnonce=BASE64URL(NONCE)\n
//
// The origin is the one the agent saw in the Origin header, in canonical
// form, so a signature taken by one site cannot be replayed to another: the
// portal's server rebuilds these bytes from its own origin and the nonce it
// issued, and verifies the detached signature over them.
func ChallengeContent(origin string, nonce []byte) []byte {
	var b bytes.Buffer
	b.WriteString("zavera-login-v1\norigin=")
	b.WriteString(origin)
	b.WriteString("\nnonce=")
	b.WriteString(base64.RawURLEncoding.EncodeToString(nonce))
	b.WriteString("\n")
	return b.Bytes()
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
	if len(p.Nonce) < minNonce || len(p.Nonce) > maxNonce {
		return nil, badParams("nonce must be %d to %d bytes", minNonce, maxNonce)
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
	doc := decoded{data: content}
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
