package agent

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/cms"
)

// Limits on what a page may ask to show.
const (
	maxDescription = 1000
	maxFileName    = 255
	maxFiles       = 1000
)

// document is one thing to sign: the data itself or its hash.
type document struct {
	Data     json.RawMessage `json:"data,omitempty"`
	Hash     json.RawMessage `json:"hash,omitempty"`
	Attached bool            `json:"attached,omitempty"`
	Name     string          `json:"name,omitempty"`
	Size     int64           `json:"size,omitempty"`
}

// decoded is a document checked against the certificate's key.
type decoded struct {
	data     []byte
	hash     []byte
	attached bool
	file     FileInfo
}

func b64(raw json.RawMessage, field string) ([]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, badParams("%s must be a base64 string", field)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, badParams("%s is not base64: %v", field, err)
	}
	return b, nil
}

// decode checks that exactly one of data and hash is given, that a hash
// has the length of the key's digest, and that the file name is printable.
func (d document) decode(tc Certificate, field string) (decoded, error) {
	var out decoded
	hasData, hasHash := len(d.Data) > 0, len(d.Hash) > 0
	if hasData == hasHash {
		return out, badParams("%s: give either data or hash", field)
	}
	name, err := cleanText(d.Name, maxFileName)
	if err != nil {
		return out, err
	}
	if d.Size < 0 {
		return out, badParams("%s.size is negative", field)
	}
	out.file = FileInfo{Name: name, Size: d.Size}
	out.attached = d.Attached
	if hasData {
		if out.data, err = b64(d.Data, field+".data"); err != nil {
			return out, err
		}
		if out.file.Size == 0 {
			out.file.Size = int64(len(out.data))
		}
		return out, nil
	}
	if d.Attached {
		return out, badParams("%s: an attached signature needs the data, not its hash", field)
	}
	if out.hash, err = b64(d.Hash, field+".hash"); err != nil {
		return out, err
	}
	_, size, err := cms.DigestFor(tc.Cert.PublicKey, 0)
	if err != nil {
		return out, fmt.Errorf("agent: certificate %s: %w", tc.ID, err)
	}
	if len(out.hash) != size {
		return out, badParams("%s.hash: %d bytes, the certificate's key needs %d", field, len(out.hash), size)
	}
	return out, nil
}

// signWith makes one CAdES-BES signature and returns it with the document
// hash it covers (the messageDigest).
func (s *Server) signWith(key Key, tc Certificate, d decoded) (sig, digest []byte, err error) {
	signer := cms.Signer{Key: key, Certificate: tc.Cert}
	opts := &cms.Options{Attached: d.attached, SigningTime: s.now()}
	if d.hash != nil {
		sig, err = cms.SignDigest(d.hash, signer, opts)
		return sig, d.hash, err
	}
	sig, err = cms.Sign(bytes.NewReader(d.data), signer, opts)
	if err != nil {
		return nil, nil, err
	}
	sd, err := cms.Parse(sig)
	if err != nil || len(sd.SignerInfos) != 1 {
		return nil, nil, fmt.Errorf("agent: reading back the signature: %v", err)
	}
	digest, _, err = sd.SignerInfos[0].MessageDigest()
	if err != nil {
		return nil, nil, fmt.Errorf("agent: reading back the signature: %w", err)
	}
	return sig, digest, nil
}

// authorise runs the prompts of a signing request under the origin's
// prompt slot: the confirmation, then the PIN (asked again after a wrong
// one, up to Limits.PINAttempts). It returns the opened key.
func (c *conn) authorise(ctx context.Context, tc Certificate, sr SigningRequest) (Key, error) {
	release, err := c.s.gate.acquire(c.origin)
	if err != nil {
		return nil, err
	}
	err = c.s.gate.ask(ctx, func(ctx context.Context) error {
		return c.s.prompter.ConfirmSigning(ctx, sr)
	})
	if err != nil {
		release(err)
		return nil, err
	}
	key, err := c.openKey(ctx, tc)
	release(err)
	return key, err
}

// openKey opens the certificate's key, asking for the PIN when the token
// wants one. The PIN is wiped as soon as the token has it.
func (c *conn) openKey(ctx context.Context, tc Certificate) (Key, error) {
	triesLeft, retry := -1, false
	for attempt := 1; ; attempt++ {
		var pin *PIN
		key, err := c.s.tokens.OpenKey(ctx, tc.ID, func(ctx context.Context, tok Token) (*PIN, error) {
			err := c.s.gate.ask(ctx, func(ctx context.Context) error {
				p, err := c.s.prompter.PIN(ctx, PINRequest{
					Origin: c.origin, Token: tok, Certificate: tc.Cert, TriesLeft: triesLeft, Retry: retry,
				})
				pin = p
				return err
			})
			if err != nil {
				pin.Wipe()
				pin = nil
				return nil, err
			}
			if pin == nil {
				return nil, fmt.Errorf("%w: no PIN", ErrCancelled)
			}
			return pin, nil
		})
		pin.Wipe()
		if err == nil {
			return key, nil
		}
		pe, isPIN := asPINError(err)
		if isPIN && pe.TriesLeft != 0 && attempt < c.s.cfg.Limits.PINAttempts && ctx.Err() == nil {
			triesLeft, retry = pe.TriesLeft, true
			continue
		}
		if errors.Is(err, ErrPINLocked) || (isPIN && pe.TriesLeft == 0) {
			c.s.prompter.Notify(Notice{Origin: c.origin, Message: "The token's PIN is locked."})
		}
		return nil, err
	}
}

// journalSignature records a signature's outcome.
func (c *conn) journalSignature(tc Certificate, desc string, digest []byte, err error) error {
	r := journal.Record{Event: journal.EventSignature, Origin: c.origin, Description: truncate(desc, 256)}
	if tc.Cert != nil {
		r.Certificate = tc.ID
		r.Subject = truncate(tc.Cert.Subject.String(), 512)
		if name, _, e := cms.DigestFor(tc.Cert.PublicKey, 0); e == nil {
			r.DocumentHash = name
		}
	}
	if digest != nil {
		r.Document = hex.EncodeToString(digest)
	}
	switch {
	case err == nil:
		r.Outcome = journal.OutcomeSigned
	case CodeOf(err) == CodeCancelled:
		r.Outcome, r.Reason = journal.OutcomeRefused, CodeCancelled.Reason()
	default:
		r.Outcome, r.Reason = journal.OutcomeFailed, CodeOf(err).Reason()
	}
	return c.s.record(r)
}

type signParams struct {
	Certificate string     `json:"certificate"`
	Description string     `json:"description"`
	Files       []FileInfo `json:"files,omitempty"`
	document
}

type signResult struct {
	Signature []byte `json:"signature"`
	Digest    []byte `json:"digest"`
}

func (c *conn) sign(ctx context.Context, req *request) (any, error) {
	var p signParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	desc, err := cleanText(p.Description, maxDescription)
	if err != nil {
		return nil, err
	}
	files, err := cleanFiles(p.Files)
	if err != nil {
		return nil, err
	}
	tc, err := c.s.findCertificate(ctx, p.Certificate)
	if err != nil {
		return nil, err
	}
	d, err := p.document.decode(tc, "params")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 && d.file.Name != "" {
		files = []FileInfo{d.file}
	}
	key, err := c.authorise(ctx, tc, SigningRequest{
		Kind: SignDocument, Origin: c.origin, Description: desc, Files: files, Certificate: tc.Cert, Count: 1,
	})
	if err != nil {
		c.journalSignature(tc, desc, d.hash, err)
		return nil, err
	}
	defer key.Close()
	sig, digest, err := c.s.signWith(key, tc, d)
	if jerr := c.journalSignature(tc, desc, digest, err); jerr != nil && err == nil {
		return nil, jerr
	}
	if err != nil {
		return nil, err
	}
	return signResult{Signature: sig, Digest: digest}, nil
}

func cleanFiles(in []FileInfo) ([]FileInfo, error) {
	if len(in) > maxFiles {
		return nil, &rpcError{CodeTooLarge, fmt.Sprintf("more than %d files", maxFiles)}
	}
	out := make([]FileInfo, 0, len(in))
	for i, f := range in {
		name, err := cleanText(f.Name, maxFileName)
		if err != nil {
			return nil, err
		}
		if f.Size < 0 {
			return nil, badParams("files[%d].size is negative", i)
		}
		out = append(out, FileInfo{Name: name, Size: f.Size})
	}
	return out, nil
}
