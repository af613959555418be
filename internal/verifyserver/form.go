package verifyserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
)

// formPart is one part of a multipart/form-data body: the name its
// Content-Disposition gives (Part.FormName) and its content.
type formPart struct {
	name string
	data []byte
}

// formParts splits a multipart/form-data body held in memory into its
// parts, as mime/multipart's Reader.NextPart reads them. Bodies in the
// shape form encoders write (no preamble, CRLF lines, each part with a
// Content-Disposition and at most a Content-Type in printable ASCII, no
// padding after the delimiters, a boundary of at most 70 characters) are
// split in place, their parts slices of
// body; any other body is read by mime/multipart. Errors wrap ErrRequest.
func formParts(body []byte, boundary string) ([]formPart, error) {
	if parts, ok := plainFormParts(body, boundary); ok {
		return parts, nil
	}
	var parts []formPart
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return parts, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrRequest, err)
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrRequest, err)
		}
		parts = append(parts, formPart{part.FormName(), data})
	}
}

var crlf = []byte("\r\n")

// plainFormParts splits body in place when it has the plain shape
// formParts describes, and reports whether it had.
func plainFormParts(body []byte, boundary string) ([]formPart, bool) {
	// mime/multipart reads delimiter lines in a 4 KiB buffer; RFC 2046
	// allows boundaries of 70 characters.
	if boundary == "" || len(boundary) > 70 {
		return nil, false
	}
	// delim is CRLF, two dashes and the boundary; the first has no CRLF.
	delim := make([]byte, 0, 4+len(boundary))
	delim = append(append(append(delim, "\r\n--"...), boundary...), "\r\n"...)
	first := delim[2:]
	if !bytes.HasPrefix(body, first) {
		return nil, false
	}
	delim = delim[:len(delim)-2]
	rest := body[len(first):]
	parts := make([]formPart, 0, 2)
	for {
		name, disposition, contentType := "", false, false
		for {
			i := bytes.Index(rest, crlf)
			if i < 0 {
				return nil, false
			}
			line := rest[:i]
			rest = rest[i+2:]
			if len(line) == 0 {
				break
			}
			key, value, ok := bytes.Cut(line, []byte{':'})
			if !ok || !printableASCII(value) {
				return nil, false
			}
			switch string(key) {
			case "Content-Disposition":
				if disposition {
					return nil, false
				}
				disposition = true
				d, params, err := mime.ParseMediaType(string(bytes.Trim(value, " \t")))
				if err != nil || d != "form-data" {
					return nil, false
				}
				name = params["name"]
			case "Content-Type":
				if contentType {
					return nil, false
				}
				contentType = true
			default:
				return nil, false
			}
		}
		if !disposition {
			return nil, false
		}
		// mime/multipart takes a delimiter at the very start of a part
		// as ending it empty.
		if bytes.HasPrefix(rest, first[:len(first)-2]) {
			return nil, false
		}
		i, from := 0, 0
		for {
			j := bytes.Index(rest[from:], delim)
			if j < 0 {
				return nil, false
			}
			i = from + j
			if !inContent(rest[i+len(delim):]) {
				break
			}
			from = i + 1
		}
		parts = append(parts, formPart{name, rest[:i:i]})
		rest = rest[i+len(delim):]
		switch {
		case bytes.Equal(rest, []byte("--")) || bytes.Equal(rest, []byte("--\r\n")):
			return parts, true
		case bytes.HasPrefix(rest, crlf):
			rest = rest[2:]
		default:
			return nil, false
		}
	}
}

// inContent reports whether a CRLF, two dashes and the boundary followed
// by after are part of a part's content for mime/multipart rather than a
// delimiter: when after goes on with other than two dashes, white space
// or a line end.
func inContent(after []byte) bool {
	if len(after) == 0 {
		return false
	}
	switch after[0] {
	case ' ', '\t', '\r', '\n':
		return false
	case '-':
		return len(after) > 1 && after[1] != '-'
	}
	return true
}

// printableASCII reports whether b holds only printable ASCII and tabs.
func printableASCII(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\t') || c > 0x7e {
			return false
		}
	}
	return true
}
