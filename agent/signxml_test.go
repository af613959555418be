package agent_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
)

const xmlDoc = `<?xml version="1.0" encoding="UTF-8"?>
<Заявление xmlns="urn://example/zayavlenie" номер="17"><Текст>Прошу выдать справку</Текст></Заявление>`

// signXML: the user confirms a document whose start is shown with the
// digest the signature covers; the result verifies with verifyXML and is
// journalled; a change to the document after signing is caught.
func TestSignXMLAndVerifyXML(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader, p.ecdsa), pr, func(o *agent.Options) {
		o.Config.TrustAnchors = []string{p.leader.certFile}
	})
	c := approvedClient(t, ts)
	leader := certID(p.leader.cert)
	var r struct{ XML, Digest []byte }
	c.mustCall("signXML", map[string]any{"certificate": leader, "description": "Заявление в СМЭВ", "name": "заявление.xml",
		"xml": []byte(xmlDoc)}, &r)
	if !bytes.HasPrefix(r.XML, []byte(xmlDoc[:len(xmlDoc)-len("</Заявление>")])) || !bytes.HasSuffix(r.XML, []byte("</Signature></Заявление>")) {
		t.Fatalf("not an enveloped signature of the document:\n%s", r.XML)
	}
	sr := lastSigning(t, pr)
	if sr.Kind != agent.SignDocument || len(sr.Files) != 1 || sr.Files[0].Name != "заявление.xml" || sr.Files[0].PreviewType != "xml" ||
		!strings.Contains(sr.Files[0].Preview, "Прошу выдать справку") || sr.Files[0].Hash != hex.EncodeToString(r.Digest) ||
		sr.Files[0].HashAlg != "Streebog-256" || sr.Description != "Заявление в СМЭВ" {
		t.Fatalf("the confirmation: %+v", sr)
	}
	var journalled bool
	readJournal(t, ts, func(rec journal.Record) {
		if rec.Event == journal.EventSignature && rec.Outcome == journal.OutcomeSigned && rec.Document == hex.EncodeToString(r.Digest) {
			journalled = true
		}
	})
	if !journalled {
		t.Fatal("the XML signature is not in the journal")
	}

	type verified struct {
		Valid   bool
		Signers []struct {
			Certificate                             []byte
			SignatureValid, CertificateValid, Valid bool
			Chain, Reason, SignatureMethod          string
			References                              []struct{ URI, DigestAlgorithm string }
		}
	}
	var v verified
	c.mustCall("verifyXML", map[string]any{"xml": r.XML}, &v)
	if !v.Valid || len(v.Signers) != 1 || !bytes.Equal(v.Signers[0].Certificate, p.leader.cert.Raw) || v.Signers[0].Chain != "valid" ||
		len(v.Signers[0].References) != 1 || v.Signers[0].References[0].URI != "" {
		t.Fatalf("verifyXML: %+v", v)
	}
	changed := bytes.Replace(r.XML, []byte("справку"), []byte("справки"), 1)
	c.mustCall("verifyXML", map[string]any{"xml": changed}, &v)
	if v.Valid || v.Signers[0].SignatureValid || v.Signers[0].Reason != "digest" {
		t.Fatalf("a changed document: %+v", v)
	}

	// Enveloping and a template are served too.
	var env struct{ XML []byte }
	c.mustCall("signXML", map[string]any{"certificate": leader, "xml": []byte(xmlDoc), "type": "enveloping"}, &env)
	c.mustCall("verifyXML", map[string]any{"xml": env.XML}, &v)
	if !v.Valid || !bytes.HasPrefix(env.XML, []byte("<ds:Signature")) {
		t.Fatalf("enveloping: %+v\n%s", v, env.XML)
	}
}

// What signXML refuses, and when: before any prompt for what is wrong in
// the request; after the user's refusal, nothing is signed.
func TestSignXMLRefusals(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader, p.ecdsa), pr)
	c := approvedClient(t, ts)
	leader := certID(p.leader.cert)
	wantErr(t, "not XML", c.call("signXML", map[string]any{"certificate": leader, "xml": []byte("{}")}, nil), agent.CodeBadRequest)
	wantErr(t, "a DTD", c.call("signXML", map[string]any{"certificate": leader, "xml": []byte(`<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`)}, nil), agent.CodeBadRequest)
	wantErr(t, "an ECDSA key", c.call("signXML", map[string]any{"certificate": certID(p.ecdsa.cert), "xml": []byte(xmlDoc)}, nil), agent.CodeBadRequest)
	wantErr(t, "a 512-bit method for a 256-bit key", c.call("signXML", map[string]any{"certificate": leader, "xml": []byte(xmlDoc),
		"signatureMethod": "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-512"}, nil), agent.CodeBadRequest)
	wantErr(t, "an unknown type", c.call("signXML", map[string]any{"certificate": leader, "xml": []byte(xmlDoc), "type": "detached"}, nil), agent.CodeInvalidParams)
	wantErr(t, "a template without a signature", c.call("signXML", map[string]any{"certificate": leader, "xml": []byte(xmlDoc), "type": "template"}, nil), agent.CodeBadRequest)
	if signings(pr) != 0 {
		t.Fatal("the user was asked for a refused request")
	}
	stranger := dial(t, ts, "https://stranger.example")
	stranger.hello()
	wantErr(t, "an origin not approved", stranger.call("signXML", map[string]any{"certificate": leader, "xml": []byte(xmlDoc)}, nil), agent.CodeOriginNotAllowed)
	pr.confirm = func(agent.SigningRequest) error { return agent.ErrCancelled }
	wantErr(t, "the user refused", c.call("signXML", map[string]any{"certificate": leader, "xml": []byte(xmlDoc)}, nil), agent.CodeCancelled)
	if signings(pr) != 1 {
		t.Fatalf("%d confirmations, want 1", signings(pr))
	}
}
