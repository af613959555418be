package agent_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
)

// With the shipped limits, a message carries control data and at most
// one chunk of an upload: a document sent inline in one message closes
// the connection with 1009, as docs/protocol.md says, and a full chunk
// passes.
func TestLargeInlineMessageRefused(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.leader), newFakePrompter())
	c := approvedClient(t, ts)
	// A full chunk of an upload, as large as the agent takes, fits.
	chunk := make([]byte, 1<<20)
	rand.Read(chunk)
	var o openOut
	c.mustCall("documentOpen", map[string]any{"name": "a.bin", "size": len(chunk), "digest": "Streebog-256"}, &o)
	var last chunkOut
	c.mustCall("documentChunk", map[string]any{"document": o.Document, "offset": 0, "data": chunk}, &last)
	if !last.Complete {
		t.Fatalf("a full chunk: %+v", last)
	}
	// A 2 MiB document inline does not.
	big := `{"jsonrpc":"2.0","id":1,"method":"sign","params":{"certificate":"` + certID(p.leader.cert) +
		`","description":"Устав","data":"` + base64.StdEncoding.EncodeToString(make([]byte, 2<<20)) + `"}}`
	if int64(len(big)) <= agent.DefaultLimits.MaxMessageBytes {
		t.Fatalf("the message of %d bytes is within the limit of %d", len(big), agent.DefaultLimits.MaxMessageBytes)
	}
	c.wmu.Lock()
	c.ws.WriteMessage(websocket.TextMessage, []byte(big))
	c.wmu.Unlock()
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("connection not closed")
	}
	c.mu.Lock()
	err := c.readErr
	c.mu.Unlock()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("closed with %v, want 1009", err)
	}
}

// A 50 MiB document's signatures are verified and co-signed by upload:
// a detached signature with the content named by its upload, and an
// attached one uploaded whole (keep), each checked by OpenSSL.
func TestCosignAndVerifyByUpload(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	withAnchors := func(o *agent.Options) { o.Config.TrustAnchors = []string{p.leader.certFile, p.ecdsa.certFile} }
	ts := startServer(t, newFakeSource(p.leader), pr, withAnchors)
	c := approvedClient(t, ts)
	doc := textDocument(50 << 20)
	id := certID(p.leader.cert)
	docID, last := c.upload("реестр.txt", id, doc, 1<<20)
	if !last.Complete {
		t.Fatalf("upload: %+v", last)
	}

	// Detached: the content is the upload.
	var first, both signOut
	c.mustCall("sign", map[string]any{"certificate": id, "description": "Реестр", "document": docID}, &first)
	var v verifyOut
	c.mustCall("verify", map[string]any{"signature": first.Signature, "document": docID}, &v)
	if !v.Valid || len(v.Signers) != 1 {
		t.Fatalf("verify by upload: %+v", v)
	}
	c.mustCall("cosign", map[string]any{"certificate": id, "description": "Реестр, вторая подпись",
		"signature": first.Signature, "document": docID}, &both)
	if f := lastSigning(t, pr).Files[0]; f.Name != "реестр.txt" || f.Size != int64(len(doc)) || f.PreviewType != "text" {
		t.Fatalf("the co-signed document shown as %+v", f)
	}
	c.mustCall("verify", map[string]any{"signature": both.Signature, "document": docID}, &v)
	if !v.Valid || len(v.Signers) != 2 {
		t.Fatalf("verify of the co-signature by upload: valid %v, %d signers", v.Valid, len(v.Signers))
	}
	opensslVerify(t, p.leader, both.Signature, doc)
	// Another document's upload does not verify.
	otherID, _ := c.upload("другой.txt", id, append([]byte("x"), doc[1:]...), 1<<20)
	c.mustCall("verify", map[string]any{"signature": both.Signature, "document": otherID}, &v)
	if v.Valid {
		t.Fatal("a signature verified over another document")
	}
	c.mustCall("documentCancel", map[string]any{"document": otherID}, nil)

	// Attached: the signature is an upload the agent keeps.
	var parts struct{ Prefix, Suffix []byte }
	c.mustCall("sign", map[string]any{"certificate": id, "description": "Реестр", "document": docID, "attached": true}, &parts)
	att := append(append(append([]byte{}, parts.Prefix...), doc...), parts.Suffix...)
	c.mustCall("documentCancel", map[string]any{"document": docID}, nil)

	var o openOut
	c.mustCall("documentOpen", map[string]any{"name": "реестр.txt.sig", "size": len(att), "digest": "Streebog-256", "keep": true}, &o)
	for off := 0; off < len(att); off += 1 << 20 {
		c.mustCall("documentChunk", map[string]any{"document": o.Document, "offset": off, "data": att[off:min(off+1<<20, len(att))]}, nil)
	}
	c.mustCall("verify", map[string]any{"signatureDocument": o.Document}, &v)
	if !v.Valid || len(v.Signers) != 1 || v.Content != nil {
		t.Fatalf("verify of an uploaded signature: valid %v, %d signers, %d bytes of content back", v.Valid, len(v.Signers), len(v.Content))
	}
	var cos signOut
	c.mustCall("cosign", map[string]any{"certificate": id, "description": "Реестр", "signatureDocument": o.Document}, &cos)
	if got := opensslVerify(t, p.leader, cos.Signature, nil); !bytes.Equal(got, doc) {
		t.Fatalf("the co-signed attached signature holds %d bytes", len(got))
	}
	c.mustCall("documentCancel", map[string]any{"document": o.Document}, nil)

	// An upload that was not kept is no signature.
	notKept, _ := c.upload("x.sig", id, parts.Prefix, 1<<20)
	wantUploadErr(t, "signature not kept", c.call("verify", map[string]any{"signatureDocument": notKept}, nil), agent.CodeBadRequest, agent.UploadNotKept)
	wantErr(t, "both", c.call("verify", map[string]any{"signatureDocument": notKept, "signature": first.Signature}, nil), agent.CodeInvalidParams)
	c.mustCall("documentCancel", map[string]any{"document": notKept}, nil)
	// Nor is one too large to keep.
	e := c.call("documentOpen", map[string]any{"name": "huge.sig", "size": 1 << 30, "digest": "Streebog-256", "keep": true}, nil)
	wantUploadErr(t, "too large to keep", e, agent.CodeTooLarge, agent.UploadTooLargeToKeep)
	if strings.Contains(e.Message, "/") {
		t.Fatalf("message %q", e.Message)
	}
	waitBudget(t, ts)
}
