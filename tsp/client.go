package tsp

import (
	"bytes"
	"context"
	"encoding/asn1"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"
)

// maxResponseSize bounds what is read from a TSA; real responses are a
// few kilobytes.
const maxResponseSize = 1 << 20

// Client asks one TSA for time-stamps.
type Client struct {
	// URL is the TSA's HTTP address.
	URL string
	// HTTP is the client to post with; nil means one with a 30-second
	// timeout.
	HTTP *http.Client
	// Policy asks for a TSA policy; nil lets the TSA choose.
	Policy asn1.ObjectIdentifier
	// Verify checks the TSA's signature on each token; nil checks it
	// without trust anchors (see VerifyOptions).
	Verify *VerifyOptions
}

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// Timestamp asks the TSA to time-stamp digest (a Streebog hash named by
// alg) and returns the token after checking its status, imprint, nonce
// and signature.
func (c *Client) Timestamp(ctx context.Context, alg asn1.ObjectIdentifier, digest []byte) (*Token, error) {
	req, err := NewRequest(alg, digest)
	if err != nil {
		return nil, err
	}
	req.Policy = c.Policy
	body, err := req.Marshal()
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTransport, err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTransport, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: HTTP status %s", ErrTransport, resp.Status)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/timestamp-reply" && mt != "application/timestamp-response" {
		return nil, fmt.Errorf("%w: content type %q", ErrTransport, resp.Header.Get("Content-Type"))
	}
	der, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the response: %w", ErrTransport, err)
	}
	if len(der) > maxResponseSize {
		return nil, fmt.Errorf("%w: response larger than %d bytes", ErrMalformed, maxResponseSize)
	}
	tok, err := ParseResponse(der)
	if err != nil {
		return nil, err
	}
	if err := tok.Check(req); err != nil {
		return nil, err
	}
	if _, err := tok.Verify(c.Verify); err != nil {
		return nil, err
	}
	return tok, nil
}
