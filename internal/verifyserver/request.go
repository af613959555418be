package verifyserver

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// input is what a request asks to verify.
type input struct {
	signature []byte
	content   []byte // nil: none given
	hash      []byte // nil: none given
	hashAlg   string // the digest name as reports give it, with hash
	at        time.Time
}

// countingBody counts the bytes read from the request body.
type countingBody struct {
	r     io.Reader
	bytes int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.bytes += int64(n)
	return n, err
}

// readInput reads the request: a multipart/form-data body with the parts
// "signature", "content", "hash", "hashAlgorithm" and "at", or a body that
// is the signature itself with "hash", "hashAlgorithm" and "at" in the
// query. Errors wrap ErrTooLarge, ErrRequest or the body's read error.
//
// The body is read whole into one buffer, sized from Content-Length up to
// maxPrealloc and grown as more arrives; the parts are slices of it (see
// formParts).
func readInput(r *http.Request, body io.Reader) (*input, error) {
	in := &input{}
	var fields struct{ hash, hashAlg, at string }
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		fields.hash, fields.hashAlg, fields.at = q.Get("hash"), q.Get("hashAlgorithm"), q.Get("at")
	}
	buf := make([]byte, 0, min(max(r.ContentLength+1, 512), maxPrealloc))
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		if params["boundary"] == "" {
			return nil, fmt.Errorf("%w: multipart body without a boundary", ErrRequest)
		}
		var data []byte
		var err error
		if _, data, err = readPart(buf, body); err != nil {
			return nil, readErr(err)
		}
		parts, err := formParts(data, params["boundary"])
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			switch p.name {
			case "signature":
				in.signature = p.data
			case "content":
				in.content = p.data
			case "hash":
				fields.hash = strings.TrimSpace(string(p.data))
			case "hashAlgorithm":
				fields.hashAlg = strings.TrimSpace(string(p.data))
			case "at":
				fields.at = strings.TrimSpace(string(p.data))
			default:
				return nil, fmt.Errorf("%w: unknown part %q", ErrRequest, p.name)
			}
		}
	} else {
		var err error
		if _, in.signature, err = readPart(buf, body); err != nil {
			return nil, readErr(err)
		}
	}
	if len(in.signature) == 0 {
		return nil, fmt.Errorf("%w: no signature", ErrRequest)
	}
	if v := fields.at; v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, fmt.Errorf("%w: at: %v", ErrRequest, err)
		}
		in.at = t
	}
	h, alg := fields.hash, fields.hashAlg
	switch {
	case h == "" && alg == "":
	case h == "" || alg == "":
		return nil, fmt.Errorf("%w: hash and hashAlgorithm go together", ErrRequest)
	case in.content != nil:
		return nil, fmt.Errorf("%w: content and hash both given", ErrRequest)
	default:
		a, ok := hashAlgorithms[strings.ToLower(alg)]
		if !ok {
			return nil, fmt.Errorf("%w: unknown hashAlgorithm %q", ErrRequest, alg)
		}
		sum, err := decodeHash(h)
		if err != nil || len(sum) != a.size {
			return nil, fmt.Errorf("%w: hash is not %d bytes of hex or base64", ErrRequest, a.size)
		}
		in.hash, in.hashAlg = sum, a.name
	}
	return in, nil
}

// maxPrealloc is the most readInput sets aside for a body before it
// arrives: a client that declares a large body must send it to make the
// server hold it.
const maxPrealloc = 64 << 10

// readPart appends what r holds to buf, growing it as needed, and returns
// buf and the part read, a slice of buf that appending to buf later does
// not change.
func readPart(buf []byte, r io.Reader) ([]byte, []byte, error) {
	start := len(buf)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, buf[start:len(buf):len(buf)], nil
		}
		if err != nil {
			return buf, nil, err
		}
	}
}

// readErr keeps ErrTooLarge and timeouts as they are and makes any other
// failure to read a bad request.
func readErr(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, tooLarge.Limit)
	}
	if isTimeout(err) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrRequest, err)
}

// hashAlgorithm is a digest a detached signature's hash may be given in.
type hashAlgorithm struct {
	name string // as cms.DigestName gives it
	size int
}

// hashAlgorithms are the accepted names of hashAlgorithm: short names and
// the OIDs.
var hashAlgorithms = map[string]hashAlgorithm{
	"streebog256":       {"Streebog-256", 32},
	"streebog-256":      {"Streebog-256", 32},
	"1.2.643.7.1.1.2.2": {"Streebog-256", 32},
	"streebog512":       {"Streebog-512", 64},
	"streebog-512":      {"Streebog-512", 64},
	"1.2.643.7.1.1.2.3": {"Streebog-512", 64},
	"gostr3411-94":      {"GOST R 34.11-94", 32},
	"1.2.643.2.2.9":     {"GOST R 34.11-94", 32},
}

// decodeHash reads a hash in hex, base64 or URL-safe base64.
func decodeHash(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("neither hex nor base64")
}
