package agent

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/login"
)

// Limits on what a page may ask to show.
const (
	maxDescription = 1000
	maxFileName    = 255
	maxFiles       = 1000
)

// document is one thing to sign: the data itself or its hash.
type document struct {
	Data     jsonView `json:"data,omitempty"` // decoded in place by b64
	Hash     jsonView `json:"hash,omitempty"`
	Attached bool     `json:"attached,omitempty"`
	// Document names a complete upload (upload.go) instead of Data or
	// Hash.
	Document string `json:"document,omitempty"`
	Name     string `json:"name,omitempty"`
	Size     int64  `json:"size,omitempty"`
}

// decoded is a document checked against the certificate's key.
type decoded struct {
	data     []byte
	hash     []byte // the hash the page gave instead of data
	digest   []byte // the content's digest: hash, or computed over data
	attached bool
	file     FileInfo
	// login marks signChallenge's content, signed with login.ContentType;
	// decode never sets it.
	login bool
	// uploaded marks a document the agent received in chunks and did not
	// keep: an attached signature of it is returned as the parts around
	// its content (see attachedParts).
	uploaded bool
}

// decode checks that exactly one of data and hash is given, that a hash
// has the length of the key's digest, and that the file name is printable.
func (d document) decode(c *conn, tc Certificate, field string) (decoded, error) {
	var out decoded
	hasData, hasHash := len(d.Data) > 0, len(d.Hash) > 0
	if d.Document != "" {
		if hasData || hasHash {
			return out, badParams("%s: give either document, data or hash", field)
		}
		out, err := c.uploaded(d.Document, tc, field)
		out.attached, out.uploaded = d.Attached, true
		return out, err
	}
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
		if err := refuseLoginContent(out.data, field+".data"); err != nil {
			return out, err
		}
		// The size shown is the data's, whatever the page says.
		out.file.Size = int64(len(out.data))
		return out, out.hashData(tc)
	}
	if d.Attached {
		return out, badParams("%s: an attached signature needs the data, not its hash", field)
	}
	if out.hash, err = b64(d.Hash, field+".hash"); err != nil {
		return out, err
	}
	alg, size, err := cms.DigestFor(tc.Cert.PublicKey, 0)
	if err != nil {
		return out, fmt.Errorf("agent: certificate %s: %w", tc.ID, err)
	}
	if len(out.hash) != size {
		return out, badParams("%s.hash: %d bytes, the certificate's key needs %d", field, len(out.hash), size)
	}
	out.digest = out.hash
	out.file.Hash, out.file.HashAlg = hex.EncodeToString(out.hash), alg
	return out, nil
}

// hashData computes the digest of d.data for tc's key and describes the
// document for the confirmation.
func (d *decoded) hashData(tc Certificate) error {
	digest, alg, err := documentDigest(tc, d.data)
	if err != nil {
		return fmt.Errorf("agent: certificate %s: %w", tc.ID, err)
	}
	d.digest = digest
	describeDocument(&d.file, d.data, digest, alg)
	return nil
}

// signWith makes one CAdES-BES signature and returns it with the document
// hash it covers (the messageDigest).
func (s *Server) signWith(key Key, tc Certificate, d decoded, chain []*cert.Certificate) (sig, digest []byte, err error) {
	signer := cms.Signer{Key: key, Certificate: tc.Cert, Chain: chain}
	opts := &cms.Options{Attached: d.attached, SigningTime: s.now(), IncludeChain: len(chain) > 0}
	if d.login {
		opts.ContentType = login.ContentType
	}
	// The digest was computed when the request was read (the user saw
	// it): a detached signature is made over it, an attached one needs
	// the content inside and hashes it again.
	if !d.attached || d.uploaded {
		opts.Attached = false
		sig, err = cms.SignDigest(d.digest, signer, opts)
		return sig, d.digest, err
	}
	sig, err = cms.Sign(bytes.NewReader(d.data), signer, opts)
	return sig, d.digest, err
}

// grant is a confirmed signing request: the opened key, the PIN prompt's
// state and the origin's prompt slot, held until the first signature is
// made, because a token source may log in (and ask for the PIN) only
// then.
type grant struct {
	c       *conn
	ctx     context.Context
	tc      Certificate
	key     Key
	pin     *pinState
	release func(error)
	signed  bool
	// chain is the CA certificates each signature carries (see chainFor).
	chain []*cert.Certificate
}

// pinState carries what the PIN prompt shows after a wrong PIN.
type pinState struct {
	triesLeft int
	retry     bool
	attempts  int
}

// authorise asks the user to confirm, then opens the key, under the
// origin's prompt slot. The caller signs with g.sign and calls g.close.
func (c *conn) authorise(ctx context.Context, tc Certificate, sr SigningRequest) (*grant, error) {
	release, err := c.s.gate.acquire(ctx, c.origin)
	if err != nil {
		return nil, unseen{err}
	}
	if !c.approved() { // revoked while this request waited its turn
		release(nil)
		return nil, unseen{fmt.Errorf("%w: %s was revoked", ErrOriginNotAllowed, c.origin)}
	}
	err = c.s.gate.ask(ctx, func(ctx context.Context) error {
		return c.s.prompter.ConfirmSigning(ctx, sr)
	})
	if err != nil {
		release(err)
		return nil, err
	}
	g := &grant{c: c, ctx: ctx, tc: tc, pin: &pinState{triesLeft: -1}, release: release}
	for {
		g.pin.attempts++
		g.key, err = c.s.tokens.OpenKey(ctx, tc.ID, g.askPIN)
		if err == nil {
			if pa, ok := g.key.(PINAware); ok && !pa.WillAskPIN() {
				g.signed = true // no login ahead: the slot is not needed
				release(nil)
			}
			return g, nil
		}
		if !g.retryPIN(err) {
			g.fail(err)
			release(err)
			return nil, err
		}
	}
}

// askPIN is the PINFunc given to the token source.
func (g *grant) askPIN(ctx context.Context, tok Token) (*PIN, error) {
	var pin *PIN
	err := g.c.s.gate.ask(ctx, func(ctx context.Context) error {
		p, err := g.c.s.prompter.PIN(ctx, PINRequest{
			Origin: g.c.origin, Token: tok, Certificate: g.tc.Cert, TriesLeft: g.pin.triesLeft, Retry: g.pin.retry,
		})
		pin = p
		return err
	})
	if err != nil {
		pin.Wipe()
		return nil, err
	}
	if pin == nil {
		return nil, fmt.Errorf("%w: no PIN", ErrCancelled)
	}
	return pin, nil
}

// retryPIN reports whether to ask the PIN again after err.
func (g *grant) retryPIN(err error) bool {
	pe, ok := asPINError(err)
	if !ok || pe.TriesLeft == 0 || g.pin.attempts >= g.c.s.cfg.Limits.PINAttempts || g.ctx.Err() != nil {
		return false
	}
	g.pin.triesLeft, g.pin.retry = pe.TriesLeft, true
	return true
}

// fail tells the user about a locked PIN.
func (g *grant) fail(err error) {
	if pe, ok := asPINError(err); errors.Is(err, ErrPINLocked) || (ok && pe.TriesLeft == 0) {
		g.c.s.prompter.Notify(Notice{Origin: g.c.origin, Message: "The token's PIN is locked."})
	}
}

// sign makes one signature. The first may log in: a wrong PIN is asked
// again, and the prompt slot is released after it (see use).
func (g *grant) sign(d decoded) (sig, digest []byte, err error) {
	err = g.use(func(k Key) error {
		var e error
		sig, digest, e = g.c.s.signWith(k, g.tc, d, g.chain)
		return e
	})
	return sig, digest, err
}

// close releases the key and, if no signature was tried, the prompt slot.
func (g *grant) close() {
	g.release(nil)
	g.key.Close()
}

// recordSignature records a signature's outcome, on disk when it returns.
func (c *conn) recordSignature(tc Certificate, desc string, digest []byte, err error) error {
	seq, jerr := c.writeSignature(tc, desc, digest, err)
	if jerr == nil {
		jerr = c.syncJournal(seq)
	}
	return jerr
}

// syncJournal returns once the journal is on disk up to seq.
func (c *conn) syncJournal(seq uint64) error {
	err := c.s.journal.Sync(seq)
	if err != nil {
		c.s.log.Error("journal sync failed", "err", err)
	}
	return err
}

// signatureRecord is the journal record a signing request ends with,
// announced to the journal when the request is read (see
// journal.Expect): a sync that starts while requests are waiting for
// their prompt or for the token waits briefly for their records, so that
// signatures made at the same time share one fsync.
type signatureRecord struct {
	c    *conn
	done func()
}

// expectSignature announces the record of a signing request. The caller
// writes it with write, or calls cancel when there is none.
func (c *conn) expectSignature() *signatureRecord {
	return &signatureRecord{c: c, done: c.s.journal.Expect()}
}

// write records the outcome, on disk when it returns.
func (r *signatureRecord) write(tc Certificate, desc string, digest []byte, err error) error {
	seq, jerr := r.c.writeSignature(tc, desc, digest, err)
	r.done()
	if jerr == nil {
		jerr = r.c.syncJournal(seq)
	}
	return jerr
}

// cancel withdraws the announcement if the record was not written.
func (r *signatureRecord) cancel() { r.done() }

// unseen marks an error that refused a request before any prompt was
// shown: the journal counts such refusals instead of recording each.
type unseen struct{ error }

func (e unseen) Unwrap() error { return e.error }

// refusedUnseen reports whether err refused a signing request before the
// user saw it: a limit, a cool-down or a full queue (busy), or the wait
// for the origin's prompt slot ended.
func refusedUnseen(err error) bool {
	var u unseen
	return errors.As(err, &u) || CodeOf(err) == CodeBusy
}

// writeSignature writes a signature's outcome to the journal; the caller
// syncs it with the returned seq before answering the page. A refusal
// that no user saw is only counted (see journal.CountRefusal): it
// returns seq 0, which needs no sync.
func (c *conn) writeSignature(tc Certificate, desc string, digest []byte, err error) (uint64, error) {
	if err != nil && refusedUnseen(err) {
		c.s.journal.CountRefusal(c.origin, CodeOf(err).Reason())
		return 0, nil
	}
	r := journal.Record{Event: journal.EventSignature, Origin: c.origin, Description: truncate(desc, 256)}
	if tc.Cert != nil {
		r.Certificate = tc.ID
		r.Subject = c.s.subjects.of(tc.Cert)
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
	r.Time = c.s.now()
	w, jerr := c.s.journal.Write(r)
	if jerr != nil {
		c.s.log.Error("journal write failed", "err", jerr)
	}
	return w.Seq, jerr
}

type signParams struct {
	Certificate string     `json:"certificate"`
	Description string     `json:"description"`
	Files       []FileInfo `json:"files,omitempty"`
	// Chain says which CA certificates the signature carries (chain.go).
	Chain string `json:"chain,omitempty"`
	// Level and TSA ask for a long-term signature (longterm.go).
	Level string `json:"level,omitempty"`
	TSA   string `json:"tsa,omitempty"`
	document
}

type signResult struct {
	Signature []byte `json:"signature"`
	Digest    []byte `json:"digest"`
}

// attachedParts is the answer for an attached signature of an uploaded
// document: the signature is prefix, the document's bytes, suffix.
type attachedParts struct {
	Prefix []byte `json:"prefix"`
	Suffix []byte `json:"suffix"`
	Digest []byte `json:"digest"`
}

// attachedAround makes the parts of the attached signature of uploaded
// document d from its detached signature.
func attachedAround(sig []byte, d decoded) (attachedParts, error) {
	prefix, suffix, err := cms.AttachedAround(sig, d.file.Size)
	if err != nil {
		return attachedParts{}, fmt.Errorf("agent: attached signature: %w", err)
	}
	return attachedParts{Prefix: prefix, Suffix: suffix, Digest: d.digest}, nil
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
	mode, err := checkChain(p.Chain)
	if err != nil {
		return nil, err
	}
	tc, err := c.s.findCertificate(ctx, p.Certificate)
	if err != nil {
		return nil, err
	}
	d, err := p.document.decode(c, tc, "params")
	if err != nil {
		return nil, err
	}
	level, err := signLevel(p.Level)
	if err != nil {
		return nil, err
	}
	tsa, err := c.s.tsaFor(level, p.TSA)
	if err != nil {
		return nil, err
	}
	if level != LevelBES && d.uploaded && d.attached {
		return nil, badParams("params.level: an attached signature of an uploaded document is CAdES-BES only")
	}
	// The user confirms the one document signed, with the agent's own
	// digest; what the page declared is shown only as its labels.
	shown, declared := d.file, files
	if len(files) == 1 {
		if shown.Name == "" {
			shown.Name = files[0].Name
		}
		if d.hash != nil {
			shown.Size = files[0].Size
		}
		declared = nil
	}
	rec := c.expectSignature()
	defer rec.cancel()
	g, err := c.authorise(ctx, tc, SigningRequest{
		Kind: SignDocument, Origin: c.origin, Description: desc, Files: []FileInfo{shown}, Declared: declared,
		Certificate: tc.Cert, Count: 1,
	})
	if err != nil {
		rec.write(tc, desc, d.hash, err)
		return nil, err
	}
	defer g.close()
	g.chain = c.s.chainFor(ctx, tc, mode)
	sig, digest, err := g.sign(d)
	if jerr := rec.write(tc, desc, digest, err); jerr != nil && err == nil {
		return nil, jerr
	}
	if err != nil {
		return nil, err
	}
	if d.uploaded && d.attached {
		return attachedAround(sig, d)
	}
	if sig, err = c.s.enhance(ctx, sig, level, tsa, nil); err != nil {
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
