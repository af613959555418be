package wire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"
)

// Limits on a request.
const (
	MaxRequest     = 1 << 20
	MaxFiles       = 1000
	MaxText        = 4000 // description, message, a file's name or hash
	MaxPreview     = 8 << 10
	maxOriginBytes = 512
)

// Errors.
var (
	// ErrMalformed is a request or reply that does not follow the format.
	ErrMalformed = errors.New("wire: malformed message")
	// ErrTooLarge is a request or reply over its limit.
	ErrTooLarge = errors.New("wire: message too large")
)

// Kind says which window a request opens.
type Kind string

// The windows.
const (
	// KindPair asks whether a new site may use the agent.
	KindPair Kind = "pair"
	// KindSign asks to confirm a signature, a batch or a login, with a
	// PIN field when PIN is set.
	KindSign Kind = "sign"
	// KindPIN asks the PIN again (after a wrong one), with what is signed.
	KindPIN Kind = "pin"
	// KindNotice shows a message.
	KindNotice Kind = "notice"
	// KindProgress shows a confirmed batch being signed, with Cancel.
	// Updates follow the request on the same input (see Update).
	KindProgress Kind = "progress"
)

// Request is what the window process shows.
type Request struct {
	Kind Kind `json:"kind"`
	// Lang is "ru" or "en"; empty takes the system language.
	Lang        string   `json:"lang,omitempty"`
	Origin      string   `json:"origin,omitempty"`
	PairingCode string   `json:"pairingCode,omitempty"`
	Signing     *Signing `json:"signing,omitempty"`
	// PIN, when set, shows the PIN field (or the PIN pad notice).
	PIN     *PINField `json:"pin,omitempty"`
	Message string    `json:"message,omitempty"`
}

// Signing is what is about to be signed.
type Signing struct {
	// What is "document", "batch", "login", "cosign" or "raw"
	// (agent.SigningKind).
	What        string `json:"what"`
	Description string `json:"description,omitempty"`
	Files       []File `json:"files,omitempty"`
	// Declared lists the files the page said one document is made of
	// (names and sizes only): the window shows them as the page's labels,
	// never as what is signed.
	Declared []File `json:"declared,omitempty"`
	// Count is the number of signatures.
	Count int `json:"count,omitempty"`
	// Cosigners names the signers already on a signature that a
	// "cosign" adds to, from their certificates.
	Cosigners   []string `json:"cosigners,omitempty"`
	Certificate *Cert    `json:"certificate,omitempty"`
}

// File is one document.
type File struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	// Hash is the document's digest in hex, with HashAlg naming it.
	Hash    string `json:"hash,omitempty"`
	HashAlg string `json:"hashAlg,omitempty"`
	// Preview is the start of a text, JSON or XML document; PreviewType
	// says which ("text", "json", "xml").
	Preview     string `json:"preview,omitempty"`
	PreviewType string `json:"previewType,omitempty"`
	// Pages is a PDF's page count, 0 when unknown.
	Pages int `json:"pages,omitempty"`
}

// Cert is a certificate as the user recognises it.
type Cert struct {
	Owner        string    `json:"owner"`
	Position     string    `json:"position,omitempty"`
	Organization string    `json:"organization,omitempty"`
	INN          string    `json:"inn,omitempty"`
	INNLE        string    `json:"innle,omitempty"`
	OGRN         string    `json:"ogrn,omitempty"`
	SNILS        string    `json:"snils,omitempty"`
	NotBefore    time.Time `json:"notBefore"`
	NotAfter     time.Time `json:"notAfter"`
	Key          string    `json:"key,omitempty"`
	Qualified    bool      `json:"qualified,omitempty"`
	// Token is the label of the token the key is on.
	Token string `json:"token,omitempty"`
}

// PINField describes the PIN entry.
type PINField struct {
	// Token is the token's label.
	Token string `json:"token,omitempty"`
	// TriesLeft is what the token says, -1 when unknown.
	TriesLeft int `json:"triesLeft"`
	// Retry is true after a wrong PIN.
	Retry bool `json:"retry,omitempty"`
	// PINPad is true for a token with a protected authentication path:
	// the PIN is typed on its keypad, so the window shows a notice
	// instead of the field.
	PINPad bool `json:"pinPad,omitempty"`
	// Password is true for a software key (a key file or container): the
	// field asks for its password, not a token's PIN.
	Password bool `json:"password,omitempty"`
}

// WriteRequest writes r as one JSON line.
func WriteRequest(w io.Writer, r *Request) error {
	if err := r.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("wire: %w", err)
	}
	if len(b) > MaxRequest {
		return fmt.Errorf("%w: request of %d bytes", ErrTooLarge, len(b))
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadRequest reads one request: a line of at most MaxRequest bytes. It
// reads no further than the line's end when r is a *bufio.Reader, so that
// the caller can go on reading r (the window process watches its input to
// learn that the agent went away).
func ReadRequest(r io.Reader) (*Request, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(b)+len(chunk) > MaxRequest+1 {
			return nil, fmt.Errorf("%w: request over %d bytes", ErrTooLarge, MaxRequest)
		}
		b = append(b, chunk...)
		if err == nil || errors.Is(err, io.EOF) {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("wire: reading the request: %w", err)
		}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	req := &Request{}
	if err := d.Decode(req); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if d.More() {
		return nil, fmt.Errorf("%w: data after the request", ErrMalformed)
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return req, nil
}

// Validate checks that r names a known window, carries what that window
// needs, and stays within the limits.
func (r *Request) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if r.Lang != "" && r.Lang != "ru" && r.Lang != "en" {
		return bad("language %q", r.Lang)
	}
	if len(r.Origin) > maxOriginBytes {
		return bad("origin of %d bytes", len(r.Origin))
	}
	for _, s := range []string{r.Origin, r.PairingCode, r.Message} {
		if !utf8.ValidString(s) || len(s) > MaxText {
			return bad("text not UTF-8 or too long")
		}
	}
	switch r.Kind {
	case KindPair:
		if r.Origin == "" || r.PairingCode == "" {
			return bad("pairing without origin or code")
		}
	case KindSign, KindPIN:
		if r.Signing == nil {
			return bad("%s request without signing", r.Kind)
		}
		if r.Kind == KindPIN && r.PIN == nil {
			return bad("pin request without pin field")
		}
		if err := r.Signing.validate(); err != nil {
			return err
		}
	case KindProgress:
		if r.Signing == nil || r.Signing.What != "batch" {
			return bad("progress request without a batch")
		}
		if r.PIN != nil {
			return bad("progress request with a PIN field")
		}
		if err := r.Signing.validate(); err != nil {
			return err
		}
	case KindNotice:
		if r.Message == "" {
			return bad("notice without message")
		}
	default:
		return bad("kind %q", r.Kind)
	}
	return nil
}

func (s *Signing) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	switch s.What {
	case "document", "batch", "login", "cosign", "raw":
	default:
		return bad("signing kind %q", s.What)
	}
	if len(s.Cosigners) > MaxFiles {
		return fmt.Errorf("%w: %d cosigners", ErrTooLarge, len(s.Cosigners))
	}
	for _, n := range s.Cosigners {
		if !utf8.ValidString(n) || len(n) > MaxText {
			return bad("cosigner not UTF-8 or too long")
		}
	}
	if len(s.Files) > MaxFiles || len(s.Declared) > MaxFiles {
		return fmt.Errorf("%w: %d files, %d declared", ErrTooLarge, len(s.Files), len(s.Declared))
	}
	if s.Count < 0 || s.Count > MaxFiles {
		return bad("count %d", s.Count)
	}
	if !utf8.ValidString(s.Description) || len(s.Description) > MaxText {
		return bad("description not UTF-8 or too long")
	}
	for _, f := range append(s.Files[:len(s.Files):len(s.Files)], s.Declared...) {
		if f.Size < 0 || f.Pages < 0 {
			return bad("negative size or page count")
		}
		for _, t := range []string{f.Name, f.Hash, f.HashAlg, f.PreviewType} {
			if !utf8.ValidString(t) || len(t) > MaxText {
				return bad("file text not UTF-8 or too long")
			}
		}
		if !utf8.ValidString(f.Preview) || len(f.Preview) > MaxPreview {
			return bad("preview not UTF-8 or too long")
		}
	}
	return nil
}
