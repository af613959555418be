package agent_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/gost/streebog"
)

type openOut struct {
	Document  string `json:"document"`
	Digest    string `json:"digest"`
	ChunkSize int    `json:"chunkSize"`
}

type chunkOut struct {
	Received int64  `json:"received"`
	Complete bool   `json:"complete"`
	Digest   []byte `json:"digest"`
}

// upload opens a document and sends data in chunks of n bytes; it
// returns the document's id and the last chunk's answer.
func (c *client) upload(name, certificate string, data []byte, n int) (string, chunkOut) {
	c.t.Helper()
	var o openOut
	c.mustCall("documentOpen", map[string]any{"name": name, "size": len(data), "certificate": certificate}, &o)
	var last chunkOut
	for off := 0; off < len(data); off += n {
		c.mustCall("documentChunk", map[string]any{"document": o.Document, "offset": off, "data": data[off:min(off+n, len(data))]}, &last)
	}
	return o.Document, last
}

// wantUploadErr checks an upload error's code and upload reason.
func wantUploadErr(t *testing.T, what string, e *rpcErr, code agent.Code, upload string) {
	t.Helper()
	wantErr(t, what, e, code)
	if e.Data.Upload != upload {
		t.Fatalf("%s: upload reason %q, want %q", what, e.Data.Upload, upload)
	}
}

// waitBudget waits until the agent's message budget is back to zero.
func waitBudget(t *testing.T, ts *testServer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for agent.BudgetInUse(ts.srv) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("memory budget still holds %d bytes", agent.BudgetInUse(ts.srv))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// textDocument is n bytes of text.
func textDocument(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "Строка %d устава общества с ограниченной ответственностью\n", i)
	}
	return b.Bytes()[:n]
}

func TestUploadAndSign(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa, p.leader), pr)
	c := approvedClient(t, ts)
	doc := textDocument(3<<20 + 17)

	for _, k := range []*testKey{p.leader, p.ecdsa} {
		id := certID(k.cert)
		t.Run(k.cert.KeyString(), func(t *testing.T) {
			_, before, _, _ := pr.snapshot()
			docID, last := c.upload("устав.txt", id, doc, 1<<20)
			if !last.Complete || last.Received != int64(len(doc)) {
				t.Fatalf("last chunk: %+v", last)
			}
			var r signOut
			c.mustCall("sign", map[string]any{"certificate": id, "description": "Устав", "document": docID}, &r)
			if !bytes.Equal(r.Digest, last.Digest) {
				t.Fatalf("digest %x, the upload's %x", r.Digest, last.Digest)
			}
			opensslVerify(t, k, r.Signature, doc)
			opensslRefuses(t, k, r.Signature, append([]byte("x"), doc...))
			_, signings, _, _ := pr.snapshot()
			if len(signings) != len(before)+1 {
				t.Fatalf("%d confirmations, want one more than %d", len(signings), len(before))
			}
			f := signings[len(signings)-1].Files[0]
			if f.Name != "устав.txt" || f.Size != int64(len(doc)) || f.Hash != hex.EncodeToString(r.Digest) ||
				f.PreviewType != "text" || !bytes.HasPrefix(doc, []byte(f.Preview[:40])) {
				t.Fatalf("confirmation shows %+v", f)
			}
			// Attached: the agent returns what goes around the
			// document, which it did not keep.
			var parts struct{ Prefix, Suffix, Digest []byte }
			c.mustCall("sign", map[string]any{"certificate": id, "description": "Устав", "document": docID, "attached": true}, &parts)
			att := append(append(append([]byte{}, parts.Prefix...), doc...), parts.Suffix...)
			if len(parts.Prefix)+len(parts.Suffix) > 8<<10 || !bytes.Equal(parts.Digest, last.Digest) {
				t.Fatalf("attached parts: %d and %d bytes, digest %x", len(parts.Prefix), len(parts.Suffix), parts.Digest)
			}
			if got := opensslVerify(t, k, att, nil); !bytes.Equal(got, doc) {
				t.Fatalf("attached content: %d bytes", len(got))
			}
			c.mustCall("documentCancel", map[string]any{"document": docID}, nil)
		})
	}
	// The streamed digest is Streebog over the whole document.
	h := streebog.New256()
	h.Write(doc)
	docID, last := c.upload("a.txt", certID(p.leader.cert), doc, 300<<10)
	if !bytes.Equal(last.Digest, h.Sum(nil)) {
		t.Fatalf("streamed digest %x, want %x", last.Digest, h.Sum(nil))
	}
	// A batch names uploads too.
	small := []byte("<a/>")
	var o openOut
	c.mustCall("documentOpen", map[string]any{"name": "b.xml", "size": len(small), "digest": "Streebog-256"}, &o)
	c.mustCall("documentChunk", map[string]any{"document": o.Document, "offset": 0, "data": small}, nil)
	var br struct {
		Results []struct {
			Signature, Digest, Prefix, Suffix []byte
		}
	}
	c.mustCall("signBatch", map[string]any{"certificate": certID(p.leader.cert), "description": "Пакет",
		"documents": []map[string]any{{"document": docID}, {"document": o.Document, "attached": true}, {"name": "c.xml", "data": small}}}, &br)
	if len(br.Results) != 3 {
		t.Fatalf("batch: %+v", br)
	}
	opensslVerify(t, p.leader, br.Results[0].Signature, doc)
	att := append(append(append([]byte{}, br.Results[1].Prefix...), small...), br.Results[1].Suffix...)
	if got := opensslVerify(t, p.leader, att, nil); !bytes.Equal(got, small) {
		t.Fatalf("attached batch content %q", got)
	}
	opensslVerify(t, p.leader, br.Results[2].Signature, small)
	c.mustCall("documentCancel", map[string]any{"document": docID}, nil)
	c.mustCall("documentCancel", map[string]any{"document": o.Document}, nil)
	waitBudget(t, ts)
}

func TestUploadErrors(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa, p.leader), pr)
	c := approvedClient(t, ts)
	gost, ecdsa := certID(p.leader.cert), certID(p.ecdsa.cert)
	doc := textDocument(100)

	var o openOut
	c.mustCall("documentOpen", map[string]any{"name": "x.txt", "size": len(doc), "certificate": gost}, &o)
	if o.Digest != "Streebog-256" || o.ChunkSize != 1<<20 {
		t.Fatalf("open: %+v", o)
	}
	chunk := func(off int, data []byte) *rpcErr {
		return c.call("documentChunk", map[string]any{"document": o.Document, "offset": off, "data": data}, nil)
	}
	wantUploadErr(t, "out of order", chunk(10, doc[10:20]), agent.CodeBadRequest, agent.UploadOutOfOrder)
	if e := chunk(0, doc[:40]); e != nil {
		t.Fatalf("first chunk: %+v", e)
	}
	wantUploadErr(t, "duplicate", chunk(0, doc[:40]), agent.CodeBadRequest, agent.UploadDuplicate)
	wantUploadErr(t, "oversized", chunk(40, make([]byte, 1<<20+1)), agent.CodeTooLarge, agent.UploadChunkTooBig)
	wantUploadErr(t, "past the size", chunk(40, append(doc[40:], 'x')), agent.CodeBadRequest, agent.UploadSizeMismatch)
	wantUploadErr(t, "unknown id", c.call("documentChunk", map[string]any{"document": "d999", "offset": 0, "data": doc}, nil),
		agent.CodeBadRequest, agent.UploadUnknown)
	// Not complete: nothing is shown, nothing signed.
	wantUploadErr(t, "sign incomplete", c.call("sign", map[string]any{"certificate": gost, "document": o.Document}, nil),
		agent.CodeBadRequest, agent.UploadIncomplete)
	if e := chunk(40, doc[40:]); e != nil {
		t.Fatalf("last chunk: %+v", e)
	}
	wantUploadErr(t, "after completion", chunk(100, []byte("y")), agent.CodeBadRequest, agent.UploadComplete)
	wantUploadErr(t, "another key's digest", c.call("sign", map[string]any{"certificate": ecdsa, "document": o.Document}, nil),
		agent.CodeBadRequest, agent.UploadWrongDigest)
	wantErr(t, "document and data", c.call("sign", map[string]any{"certificate": gost, "document": o.Document, "data": doc}, nil),
		agent.CodeInvalidParams)
	// Login content is refused as in data.
	login := []byte("zavera-login-v1\norigin=https://other.example\nnonce=AAAA\n")
	lid, _ := c.upload("l", gost, login, 8)
	wantErr(t, "login content", c.call("sign", map[string]any{"certificate": gost, "document": lid}, nil), agent.CodeBadRequest)
	if _, signings, _, _ := pr.snapshot(); len(signings) != 0 {
		t.Fatalf("prompted for refused requests: %+v", signings)
	}
	// Open uploads are bounded per connection.
	var last *rpcErr
	for range agent.MaxUploads {
		last = c.call("documentOpen", map[string]any{"name": "n", "size": 1, "digest": "SHA-256"}, nil)
	}
	wantUploadErr(t, "too many", last, agent.CodeTooLarge, agent.UploadTooMany)
	var cr struct{ Cancelled bool }
	c.mustCall("documentCancel", map[string]any{"document": o.Document}, &cr)
	if !cr.Cancelled {
		t.Fatal("cancel of an open upload: not cancelled")
	}
	wantUploadErr(t, "sign cancelled", c.call("sign", map[string]any{"certificate": gost, "document": o.Document}, nil),
		agent.CodeBadRequest, agent.UploadUnknown)
	c.close()
	waitBudget(t, ts)
}

// TestUploadCancelled cancels an upload at 10, 50 and 99 per cent: its
// memory is given back and it cannot be signed.
func TestUploadCancelled(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader), pr)
	c := approvedClient(t, ts)
	gost := certID(p.leader.cert)
	doc := textDocument(1 << 20)
	for _, pct := range []int{10, 50, 99} {
		t.Run(fmt.Sprint(pct), func(t *testing.T) {
			var o openOut
			c.mustCall("documentOpen", map[string]any{"name": "x.txt", "size": len(doc), "certificate": gost}, &o)
			cut := len(doc) * pct / 100
			for off := 0; off < cut; off += 64 << 10 {
				c.mustCall("documentChunk", map[string]any{"document": o.Document, "offset": off, "data": doc[off:min(off+64<<10, cut)]}, nil)
			}
			if agent.BudgetInUse(ts.srv) == 0 {
				t.Fatal("an open upload holds nothing of the budget")
			}
			c.mustCall("documentCancel", map[string]any{"document": o.Document}, nil)
			waitBudget(t, ts)
			wantUploadErr(t, "chunk after cancel", c.call("documentChunk", map[string]any{"document": o.Document, "offset": cut, "data": doc[cut:]}, nil),
				agent.CodeBadRequest, agent.UploadUnknown)
			wantUploadErr(t, "sign after cancel", c.call("sign", map[string]any{"certificate": gost, "document": o.Document}, nil),
				agent.CodeBadRequest, agent.UploadUnknown)
		})
	}
	if _, signings, _, _ := pr.snapshot(); len(signings) != 0 {
		t.Fatalf("prompted: %+v", signings)
	}
}

// TestUploadConnectionDropped closes the connection in the middle of an
// upload: everything it held is given back.
func TestUploadConnectionDropped(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.leader), newFakePrompter())
	c := approvedClient(t, ts)
	doc := textDocument(2 << 20)
	for range 3 {
		var o openOut
		c.mustCall("documentOpen", map[string]any{"name": "x.txt", "size": len(doc), "certificate": certID(p.leader.cert)}, &o)
		c.mustCall("documentChunk", map[string]any{"document": o.Document, "offset": 0, "data": doc[:1<<20]}, nil)
	}
	// A chunk still on its way when the page goes.
	c.startCall("documentChunk", map[string]any{"document": "d1", "offset": 1 << 20, "data": doc[1<<20:]})
	c.close()
	waitBudget(t, ts)
}

// TestUploadNeedsApproval: an origin not approved cannot open a document.
func TestUploadNeedsApproval(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.leader), newFakePrompter())
	c := dial(t, ts, "https://stranger.example")
	if c.hello() {
		t.Fatal("a stranger is approved")
	}
	wantErr(t, "open", c.call("documentOpen", map[string]any{"name": "x", "size": 1, "digest": "SHA-256"}, nil), agent.CodeOriginNotAllowed)
	wantErr(t, "chunk", c.call("documentChunk", map[string]any{"document": "d1", "offset": 0, "data": []byte("x")}, nil), agent.CodeOriginNotAllowed)
}

// rawCall sends text as a request whose id is the client's next one
// (written as %d in text) and waits for its answer.
func (c *client) rawCall(format string, args ...any) message {
	c.t.Helper()
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan message, 1)
	c.waiting[fmt.Sprint(id)] = ch
	c.mu.Unlock()
	c.send([]byte(fmt.Sprintf(format, append([]any{id}, args...)...)))
	return c.wait(ch)
}

// TestUploadChunkForms sends chunks as the JS client writes them, which
// the agent reads without its JSON decoder, and in other forms: the
// answers are those of the general path.
func TestUploadChunkForms(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.leader), newFakePrompter())
	c := approvedClient(t, ts)
	doc := []byte("abcdefghijkl")
	var o openOut
	c.mustCall("documentOpen", map[string]any{"name": "x.txt", "size": len(doc), "digest": "Streebog-256"}, &o)
	const js = `{"jsonrpc":"2.0","id":%d,"method":"documentChunk","params":{"document":"%s","offset":%d,"data":"%s"}}`
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

	wantCode := func(what string, m message, code agent.Code, upload string) {
		t.Helper()
		if m.Error == nil {
			t.Fatalf("%s: succeeded", what)
		}
		wantUploadErr(t, what, m.Error, code, upload)
	}
	wantCode("unknown", c.rawCall(js, "d99", 0, b64(doc[:3])), agent.CodeBadRequest, agent.UploadUnknown)
	wantCode("not base64", c.rawCall(js, o.Document, 0, "ab!="), agent.CodeInvalidParams, "")
	wantCode("out of order", c.rawCall(js, o.Document, 3, b64(doc[3:6])), agent.CodeBadRequest, agent.UploadOutOfOrder)
	if m := c.rawCall(js, o.Document, 0, b64(doc[:3])); m.Error != nil || !bytes.Contains(m.Result, []byte(`"received":3`)) {
		t.Fatalf("first chunk: %s %+v", m.Result, m.Error)
	}
	wantCode("duplicate", c.rawCall(js, o.Document, 0, b64(doc[:3])), agent.CodeBadRequest, agent.UploadDuplicate)
	// An escape in the data, spaces, another member order: the general
	// path reads them.
	esc := `\u00` + fmt.Sprintf("%x", b64(doc[3:6])[0]) + b64(doc[3:6])[1:]
	if m := c.rawCall(js, o.Document, 3, esc); m.Error != nil {
		t.Fatalf("escaped chunk: %+v", m.Error)
	}
	if m := c.rawCall(`{"jsonrpc": "2.0", "id": %d, "method": "documentChunk", "params": {"offset": %d, "data": "%s", "document": "%s"}}`,
		6, b64(doc[6:9]), o.Document); m.Error != nil {
		t.Fatalf("spaced chunk: %+v", m.Error)
	}
	// A message that starts as the fast form but is not JSON.
	c.send([]byte(fmt.Sprintf(js[:len(js)-2]+`}`, 999, o.Document, 9, b64(doc[9:]))))
	select {
	case m := <-c.nullID:
		if m.Error == nil || m.Error.Code != int(agent.CodeParseError) {
			t.Fatalf("cut message: %+v", m.Error)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no answer to a cut message")
	}
	m := c.rawCall(js, o.Document, 9, b64(doc[9:]))
	var last chunkOut
	if m.Error != nil || jsonUnmarshal(m.Result, &last) != nil || !last.Complete {
		t.Fatalf("last chunk: %s %+v", m.Result, m.Error)
	}
	h := streebog.New256()
	h.Write(doc)
	if !bytes.Equal(last.Digest, h.Sum(nil)) {
		t.Fatalf("digest %x, want %x", last.Digest, h.Sum(nil))
	}

	// Before hello and before approval, the fast form is refused as any
	// request is.
	raw := dial(t, ts, portalOrigin)
	if m := raw.rawCall(js, o.Document, 0, b64(doc)); m.Error == nil || m.Error.Code != int(agent.CodeInvalidRequest) {
		t.Fatalf("before hello: %+v", m.Error)
	}
	s := dial(t, ts, "https://stranger.example")
	s.hello()
	if m := s.rawCall(js, "d1", 0, b64(doc)); m.Error == nil || m.Error.Code != int(agent.CodeOriginNotAllowed) {
		t.Fatalf("stranger: %+v", m.Error)
	}
}
