package agent

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/zavera/zavera/cms"
)

// Uploads: a page sends a document of any size in chunks (documentOpen,
// documentChunk, documentCancel), then signs it by its id. The agent
// hashes each chunk as it arrives and keeps only the start of the
// document, for the confirmation's preview; the rest is never held.
//
// Chunks travel as base64 inside JSON messages, like every other value of
// the protocol: they pass unchanged through the websocket and through the
// extension's native messaging channel, which carries JSON only (at most
// 64 MiB a message towards the agent, 1 MiB back), and a chunk is one
// small request with its own answer, so that the page has back-pressure
// and the errors of the protocol.
//
// documentChunk and documentCancel are read in the read loop, so a
// page's chunks apply in the order it sent them: the read loop checks a
// chunk and decodes it in its message's buffer, and hands it to the
// upload's hashing goroutine, which hashes it while the next message is
// read, then answers and releases the message (at most hashQueue chunks
// wait for it; the read loop waits beyond). documentOpen may look up a
// certificate and runs as a request of its own. Who may call them:
// approved origins. Nothing is shown to the user before a signing
// request names the document.
const (
	// maxUploads bounds the documents one connection may have open: a
	// batch of files is uploaded before it is signed. Each holds at most
	// keepHead bytes, from the memory budget.
	maxUploads = 64
	// maxChunk bounds the decoded bytes of one chunk: its message stays
	// well under maxMessageBytes and the native messaging limits.
	maxChunk = 1 << 20
	// keepHead is how much of the start of a document the agent keeps
	// for the preview.
	keepHead = maxPreview
	// hashQueue is how many chunks may wait for an upload's hashing
	// goroutine.
	hashQueue = 2
	// maxKept bounds an upload the agent keeps whole (documentOpen with
	// keep: a signature that verify or cosign reads by id); the memory
	// budget bounds all of them together.
	maxKept = 64 << 20
)

// Why an upload request was refused; pages see the name in
// error.data.upload.
const (
	UploadUnknown      = "unknown_document"
	UploadOutOfOrder   = "out_of_order"
	UploadDuplicate    = "duplicate"
	UploadChunkTooBig  = "chunk_too_large"
	UploadComplete     = "already_complete"
	UploadSizeMismatch = "size_mismatch"
	UploadIncomplete   = "incomplete"
	UploadTooMany      = "too_many_uploads"
	UploadWrongDigest  = "wrong_digest"
	// UploadTooLargeToKeep is a document opened with keep over maxKept.
	UploadTooLargeToKeep = "too_large_to_keep"
	// UploadNotKept is a document named where its bytes are needed
	// (a signature to verify or co-sign) that was not opened with keep.
	UploadNotKept = "not_kept"
)

// uploadError refuses an upload request with a code and the upload's own
// reason.
type uploadError struct {
	rpcError
	kind string
}

func (e *uploadError) Unwrap() error { return &e.rpcError }

func uploadFault(code Code, kind, format string, args ...any) error {
	return &uploadError{rpcError{code, kind + ": " + fmt.Sprintf(format, args...)}, kind}
}

// upload is one document being received. received and head change in
// the read loop, digest in the hashing goroutine, all under mu; once
// complete, they no longer change.
type upload struct {
	id   string
	name string
	size int64 // declared
	alg  string
	kept bool // head is all of it

	mu       sync.Mutex
	received int64  // accepted by the read loop
	head     []byte // the first keepHead bytes at most, reserved from the budget
	held     int64
	digest   []byte // once all is hashed

	// The hashing goroutine's: the hash, the chunks waiting for it
	// (closed when the upload is dropped), closed when it has ended.
	h        hash.Hash
	hashed   int64
	lastStep int64 // the last progress notice, in hundredths
	work     chan chunkWork
	done     chan struct{}
	dropped  atomic.Bool
}

// chunkWork is one accepted chunk for the hashing goroutine: its bytes in
// the message's buffer, which it releases after answering.
type chunkWork struct {
	id   json.RawMessage
	data []byte
	msg  *inMessage
	last bool
}

// hashChunks runs in the upload's goroutine: it hashes each chunk,
// answers it and releases its message. A dropped upload's chunks are
// answered without being hashed.
func (c *conn) hashChunks(d *upload) {
	defer close(d.done)
	for w := range d.work {
		dropped := d.dropped.Load()
		if !dropped {
			d.h.Write(w.data)
		}
		d.hashed += int64(len(w.data))
		res := documentChunkResult{Received: d.hashed}
		switch {
		case dropped:
		case w.last:
			sum := d.h.Sum(nil)
			d.mu.Lock()
			d.digest = sum
			d.mu.Unlock()
			res.Complete, res.Digest = true, sum
			c.notify("documentProgress", documentProgressNotice{Document: d.id, Received: d.hashed, Size: d.size, Complete: true})
		default:
			if step := d.hashed * 100 / d.size; step > d.lastStep {
				d.lastStep = step
				c.notify("documentProgress", documentProgressNotice{Document: d.id, Received: d.hashed, Size: d.size})
			}
		}
		c.reply(w.id, res, nil)
		w.msg.release()
	}
}

// uploads are a connection's open documents.
type uploads struct {
	mu   sync.Mutex
	next int
	docs map[string]*upload
}

// uploadsOf returns the connection's uploads, made on first use; they
// are freed with the connection (freeUploads).
func (c *conn) uploadsOf() *uploads {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.docs == nil {
		c.docs = &uploads{docs: map[string]*upload{}}
	}
	return c.docs
}

// freeUploads gives back what every open upload of the connection holds,
// once the read loop has ended, and waits for their hashing goroutines.
func (c *conn) freeUploads() {
	c.mu.Lock()
	u := c.docs
	c.mu.Unlock()
	if u == nil {
		return
	}
	u.mu.Lock()
	var dropped []*upload
	for id, d := range u.docs {
		c.dropUpload(u, id, d)
		dropped = append(dropped, d)
	}
	u.mu.Unlock()
	for _, d := range dropped {
		if d.done != nil {
			<-d.done
		}
	}
}

// dropUpload forgets d and gives back its buffer; under u.mu, in the read
// loop or after it ended (the only sender on d.work). Chunks still
// waiting are answered unhashed and their messages released.
func (c *conn) dropUpload(u *uploads, id string, d *upload) {
	delete(u.docs, id)
	d.dropped.Store(true)
	if d.work != nil {
		close(d.work)
	}
	d.mu.Lock()
	if d.held > 0 {
		c.s.budget.give(d.held)
	}
	d.head, d.held = nil, 0
	d.mu.Unlock()
}

type documentOpenParams struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	Certificate string `json:"certificate,omitempty"`
	Digest      string `json:"digest,omitempty"`
	Keep        bool   `json:"keep,omitempty"`
}

type documentOpenResult struct {
	Document  string `json:"document"`
	Digest    string `json:"digest"`
	ChunkSize int    `json:"chunkSize"`
}

// documentOpen starts an upload. The digest is the certificate's (when
// the page names one) or the one it names.
func (c *conn) documentOpen(ctx context.Context, req *request) (any, error) {
	var p documentOpenParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	name, err := cleanText(p.Name, maxFileName)
	if err != nil {
		return nil, err
	}
	if p.Size < 0 {
		return nil, badParams("params.size is negative")
	}
	alg := p.Digest
	switch {
	case p.Certificate != "" && p.Digest != "":
		return nil, badParams("params: give either certificate or digest")
	case p.Certificate != "":
		tc, err := c.s.findCertificate(ctx, p.Certificate)
		if err != nil {
			return nil, err
		}
		if alg, _, err = cms.DigestFor(tc.Cert.PublicKey, 0); err != nil {
			return nil, fmt.Errorf("agent: certificate %s: %w", tc.ID, err)
		}
	case p.Digest == "":
		return nil, badParams("params: give certificate or digest")
	}
	newHash, ok := hashAlgorithms[alg]
	if !ok {
		return nil, badParams("params.digest: unknown hash %q", truncate(alg, 64))
	}
	head := min(p.Size, keepHead)
	if p.Keep {
		if p.Size > maxKept {
			return nil, uploadFault(CodeTooLarge, UploadTooLargeToKeep, "%d bytes to keep, at most %d", p.Size, maxKept)
		}
		head = p.Size
	}
	u := c.uploadsOf()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.docs) >= maxUploads {
		return nil, uploadFault(CodeTooLarge, UploadTooMany, "more than %d documents open on the connection", maxUploads)
	}
	if head > 0 && !c.s.budget.take(head, true) {
		return nil, fmt.Errorf("%w: no room for an upload in the memory budget", ErrBusy)
	}
	u.next++
	d := &upload{id: "d" + strconv.Itoa(u.next), name: name, size: p.Size, alg: alg, kept: p.Keep, h: newHash(), held: head}
	if head > 0 {
		d.head = make([]byte, 0, head)
	}
	if p.Size == 0 {
		d.digest = d.h.Sum(nil)
	} else {
		d.work, d.done = make(chan chunkWork, hashQueue), make(chan struct{})
		go c.hashChunks(d)
	}
	u.docs[d.id] = d
	return documentOpenResult{Document: d.id, Digest: alg, ChunkSize: maxChunk}, nil
}

type documentChunkParams struct {
	Document string   `json:"document"`
	Offset   int64    `json:"offset"`
	Data     jsonView `json:"data"`
}

type documentChunkResult struct {
	Received int64  `json:"received"`
	Complete bool   `json:"complete"`
	Digest   []byte `json:"digest,omitempty"`
}

// documentProgressNotice tells the page how much of a document the agent
// has hashed: at each whole per cent, and when it is complete.
type documentProgressNotice struct {
	Document string `json:"document"`
	Received int64  `json:"received"`
	Size     int64  `json:"size"`
	Complete bool   `json:"complete,omitempty"`
}

// documentChunk only names the method for admit and info: handle passes
// the request to chunkRequest, in the read loop.
func (c *conn) documentChunk(context.Context, *request) (any, error) {
	return nil, errors.New("agent: documentChunk outside the read loop")
}

// chunkRequest takes a documentChunk request read by the general path;
// it reports whether it kept msg.
func (c *conn) chunkRequest(id json.RawMessage, req *request, msg *inMessage) bool {
	var p documentChunkParams
	if err := decodeParams(req.Params, &p); err != nil {
		c.reply(id, nil, err)
		return false
	}
	return c.queueChunk(id, p.Document, p.Offset, p.Data, msg)
}

// queueChunk checks one chunk, raw being its data's JSON string as it
// stands in msg (decoded in place), and hands it to the upload's hashing
// goroutine, which answers it. It reports whether it kept msg; a refused
// chunk is answered here.
func (c *conn) queueChunk(id json.RawMessage, docID string, offset int64, raw []byte, msg *inMessage) bool {
	d, w, err := c.acceptChunk(docID, offset, raw)
	if err != nil {
		c.reply(id, nil, err)
		return false
	}
	w.id, w.msg = id, msg
	// The read loop is the only sender and drops uploads itself, so the
	// channel is open here.
	d.work <- w
	return true
}

// acceptChunk checks a chunk against its upload: it must start where the
// previous one ended and stay within the declared size. It keeps the
// start of the document and counts the chunk as received.
func (c *conn) acceptChunk(docID string, offset int64, raw []byte) (*upload, chunkWork, error) {
	var w chunkWork
	if len(raw) > base64Len(maxChunk)+2 { // with its quotes
		return nil, w, uploadFault(CodeTooLarge, UploadChunkTooBig, "a chunk of %d base64 characters", len(raw))
	}
	u := c.uploadsOf()
	u.mu.Lock()
	d, ok := u.docs[docID]
	u.mu.Unlock()
	if !ok {
		return nil, w, uploadFault(CodeBadRequest, UploadUnknown, "no open document %q", truncate(docID, 64))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.received == d.size:
		return nil, w, uploadFault(CodeBadRequest, UploadComplete, "%s is complete", d.id)
	case offset < d.received:
		return nil, w, uploadFault(CodeBadRequest, UploadDuplicate, "%s: offset %d, %d received", d.id, offset, d.received)
	case offset > d.received:
		return nil, w, uploadFault(CodeBadRequest, UploadOutOfOrder, "%s: offset %d, %d received", d.id, offset, d.received)
	}
	var data []byte
	if len(raw) > 0 {
		var err error
		if data, err = b64(raw, "params.data"); err != nil {
			return nil, w, err
		}
	}
	switch {
	case len(data) == 0:
		return nil, w, badParams("params.data is empty")
	case len(data) > maxChunk:
		return nil, w, uploadFault(CodeTooLarge, UploadChunkTooBig, "a chunk of %d bytes", len(data))
	case d.received+int64(len(data)) > d.size:
		return nil, w, uploadFault(CodeBadRequest, UploadSizeMismatch, "%s: %d bytes past the declared %d", d.id, d.received+int64(len(data)), d.size)
	}
	if room := cap(d.head) - len(d.head); room > 0 {
		d.head = append(d.head, data[:min(room, len(data))]...)
	}
	d.received += int64(len(data))
	w.data, w.last = data, d.received == d.size
	return d, w, nil
}

// fastChunk serves a documentChunk request written exactly as the JS
// client writes it,
//
//	{"jsonrpc":"2.0","id":N,"method":"documentChunk","params":{"document":"dN","offset":N,"data":"BASE64"}}
//
// without running the JSON decoder over the chunk's data twice: it finds
// the end of the base64 string and leaves its check to the base64
// decoder, which accepts nothing that would need an escape in JSON. The
// message is then valid JSON with exactly these members, and the request
// is the one the general path would read. Any other form (spaces, other
// member order, escapes, other id types) takes the general path. It
// reports whether it took the message, and whether it also kept msg.
func (c *conn) fastChunk(msg *inMessage) (took, kept bool) {
	rest, ok := bytes.CutPrefix(msg.data, []byte(`{"jsonrpc":"2.0","id":`))
	if !ok {
		return false, false
	}
	id, rest := leadingDigits(rest)
	if id == nil || len(id) > 15 || (id[0] == '0' && len(id) > 1) {
		return false, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"method":"documentChunk","params":{"document":"`)); !ok {
		return false, false
	}
	q := bytes.IndexByte(rest, '"')
	if q < 1 || q > 16 || !uploadIDChars(rest[:q]) {
		return false, false
	}
	docID := string(rest[:q])
	if rest, ok = bytes.CutPrefix(rest[q:], []byte(`","offset":`)); !ok {
		return false, false
	}
	off, rest := leadingDigits(rest)
	if off == nil || len(off) > 15 || (off[0] == '0' && len(off) > 1) {
		return false, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"data":`)); !ok {
		return false, false
	}
	if len(rest) < 2 || rest[0] != '"' {
		return false, false
	}
	q = bytes.IndexByte(rest[1:], '"')
	if q < 0 || string(rest[q+2:]) != `}}` {
		return false, false
	}
	raw := rest[:q+2]
	if bytes.IndexByte(raw[1:q+1], '\\') >= 0 {
		return false, false
	}
	if err := c.admit("documentChunk", methods["documentChunk"]); err != nil {
		c.reply(json.RawMessage(id), nil, err)
		return true, false
	}
	offset, _ := strconv.ParseInt(string(off), 10, 64)
	return true, c.queueChunk(json.RawMessage(id), docID, offset, raw, msg)
}

// leadingDigits splits the ASCII digits at the start of b from the rest.
func leadingDigits(b []byte) (digits, rest []byte) {
	i := 0
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	if i == 0 {
		return nil, b
	}
	return b[:i], b[i:]
}

// uploadIDChars reports whether b is lower-case letters and digits only, as upload ids
// are.
func uploadIDChars(b []byte) bool {
	for _, ch := range b {
		if !('0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'z') {
			return false
		}
	}
	return true
}

// base64Len is the length of n bytes in padded base64.
func base64Len(n int) int { return (n + 2) / 3 * 4 }

type documentCancelParams struct {
	Document string `json:"document"`
}

type documentCancelResult struct {
	Cancelled bool `json:"cancelled"`
}

// documentCancel forgets an upload, complete or not. A signing request
// that already read it goes on.
func (c *conn) documentCancel(_ context.Context, req *request) (any, error) {
	var p documentCancelParams
	if err := decodeParams(req.Params, &p); err != nil {
		return nil, err
	}
	u := c.uploadsOf()
	u.mu.Lock()
	defer u.mu.Unlock()
	d, ok := u.docs[p.Document]
	if ok {
		c.dropUpload(u, p.Document, d)
	}
	return documentCancelResult{Cancelled: ok}, nil
}

// uploadView is what a request reads of a complete upload, taken under
// its lock: once complete, these no longer change, but a cancel may drop
// the upload meanwhile (the request goes on with what it read).
type uploadView struct {
	id, name, alg string
	size          int64
	kept          bool
	head, digest  []byte
}

// completeUpload returns a complete upload of the connection; field
// names the parameter for the page's error.
func (c *conn) completeUpload(id, field string) (uploadView, error) {
	u := c.uploadsOf()
	u.mu.Lock()
	defer u.mu.Unlock()
	d, ok := u.docs[id]
	if !ok {
		return uploadView{}, uploadFault(CodeBadRequest, UploadUnknown, "%s: no open document %q", field, truncate(id, 64))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.digest == nil {
		return uploadView{}, uploadFault(CodeBadRequest, UploadIncomplete, "%s: %s has %d of %d bytes", field, d.id, d.received, d.size)
	}
	return uploadView{id: d.id, name: d.name, alg: d.alg, size: d.size, kept: d.kept, head: d.head, digest: d.digest}, nil
}

// uploaded describes a complete upload for a signing request with tc,
// whose key's digest must be the one the upload was hashed with.
func (c *conn) uploaded(id string, tc Certificate, field string) (decoded, error) {
	var out decoded
	alg, _, err := cms.DigestFor(tc.Cert.PublicKey, 0)
	if err != nil {
		return out, fmt.Errorf("agent: certificate %s: %w", tc.ID, err)
	}
	d, err := c.completeUpload(id, field+".document")
	if err != nil {
		return out, err
	}
	if d.alg != alg {
		return out, uploadFault(CodeBadRequest, UploadWrongDigest, "%s.document: hashed with %s, the certificate needs %s", field, d.alg, alg)
	}
	if err := refuseLoginContent(d.head, field+".document"); err != nil {
		return out, err
	}
	out.digest = d.digest
	out.file = FileInfo{Name: d.name, Size: d.size}
	describeHead(&out.file, d.head, d.size, d.digest, alg)
	return out, nil
}

// keptUpload returns all the bytes of a complete upload opened with
// keep; the caller only reads them.
func (c *conn) keptUpload(id, field string) ([]byte, error) {
	d, err := c.completeUpload(id, field)
	if err != nil {
		return nil, err
	}
	if !d.kept {
		return nil, uploadFault(CodeBadRequest, UploadNotKept, "%s: %s was not opened with keep", field, d.id)
	}
	return d.head, nil
}

// describeHead is describeDocument for a document of which the agent
// kept only the start: the preview of a text, and a PDF marked as such
// (its pages are not counted).
func describeHead(f *FileInfo, head []byte, size int64, digest []byte, alg string) {
	f.Hash, f.HashAlg = hex.EncodeToString(digest), alg
	if int64(len(head)) == size {
		describeDocument(f, head, digest, alg)
		return
	}
	// Cut a character the head ends inside.
	cut := len(head)
	for i := 1; i < utf8.UTFMax && i <= len(head); i++ {
		if utf8.RuneStart(head[len(head)-i]) {
			if !utf8.FullRune(head[len(head)-i:]) {
				cut = len(head) - i
			}
			break
		}
	}
	start := head[:cut]
	switch {
	case len(start) >= 5 && string(start[:5]) == "%PDF-":
		f.PreviewType = "pdf"
	case isText(start):
		f.Preview, f.PreviewType = preview(start), "text"
		if len(start) > 0 && start[0] == '<' {
			f.PreviewType = "xml"
		}
	}
}
