package verifyserver

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
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
func readInput(r *http.Request, body io.Reader) (*input, error) {
	in := &input{}
	fields := map[string]string{}
	for _, k := range []string{"hash", "hashAlgorithm", "at"} {
		if v := r.URL.Query().Get(k); v != "" {
			fields[k] = v
		}
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		if params["boundary"] == "" {
			return nil, fmt.Errorf("%w: multipart body without a boundary", ErrRequest)
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, readErr(err)
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return nil, readErr(err)
			}
			switch name := part.FormName(); name {
			case "signature":
				in.signature = data
			case "content":
				in.content = data
			case "hash", "hashAlgorithm", "at":
				fields[name] = strings.TrimSpace(string(data))
			default:
				return nil, fmt.Errorf("%w: unknown part %q", ErrRequest, name)
			}
		}
	} else {
		data, err := io.ReadAll(body)
		if err != nil {
			return nil, readErr(err)
		}
		in.signature = data
	}
	if len(in.signature) == 0 {
		return nil, fmt.Errorf("%w: no signature", ErrRequest)
	}
	if v := fields["at"]; v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, fmt.Errorf("%w: at: %v", ErrRequest, err)
		}
		in.at = t
	}
	h, alg := fields["hash"], fields["hashAlgorithm"]
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
