package agent_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost/streebog"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/login"
)

// opensslVerify checks a DER CAdES signature with OpenSSL, the
// certificate as trust anchor; content is nil for an attached signature.
// It returns the content OpenSSL extracted.
func opensslVerify(t *testing.T, k *testKey, sig, content []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	sigFile := filepath.Join(dir, "sig.p7s")
	outFile := filepath.Join(dir, "out.bin")
	if err := os.WriteFile(sigFile, sig, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile,
		"-CAfile", k.certFile, "-partial_chain", "-purpose", "any", "-out", outFile}
	if content != nil {
		cf := filepath.Join(dir, "content.bin")
		if err := os.WriteFile(cf, content, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-content", cf)
	}
	osslref.Run(t, nil, args...)
	out, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// opensslRefuses checks that OpenSSL rejects a detached signature over
// other content.
func opensslRefuses(t *testing.T, k *testKey, sig, content []byte) {
	t.Helper()
	dir := t.TempDir()
	sigFile, cf := filepath.Join(dir, "sig.p7s"), filepath.Join(dir, "c.bin")
	os.WriteFile(sigFile, sig, 0o600)
	os.WriteFile(cf, content, 0o600)
	if _, _, err := osslref.Try(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile,
		"-CAfile", k.certFile, "-partial_chain", "-purpose", "any", "-content", cf, "-out", "/dev/null"); err == nil {
		t.Fatal("OpenSSL verified a signature over other content")
	}
}

func approvedClient(t *testing.T, ts *testServer) *client {
	t.Helper()
	c := dial(t, ts, portalOrigin)
	if !c.hello() {
		t.Fatal("the configured origin is not approved")
	}
	return c
}

func TestInfoTokensCertificates(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.ecdsa, p.leader), newFakePrompter())
	c := approvedClient(t, ts)

	var info struct {
		Agent, Version string
		Protocol       int
		Methods        []string
		Capabilities   struct {
			Formats, Modes, KeyAlgorithms []string
			TLS                           bool
		}
		Limits struct{ MaxMessageBytes, MaxInFlight, MaxBatch int }
	}
	c.mustCall("info", nil, &info)
	if info.Agent != "Zavera" || info.Version != "test" || info.Protocol != 1 || len(info.Methods) < 10 ||
		info.Limits.MaxMessageBytes != int(agent.DefaultLimits.MaxMessageBytes) ||
		strings.Join(info.Capabilities.Formats, ",") != "CAdES-BES,XMLDSig" || len(info.Capabilities.Modes) != 5 || info.Capabilities.TLS {
		t.Fatalf("info: %+v", info)
	}

	var toks struct{ Tokens []agent.Token }
	c.mustCall("tokens", nil, &toks)
	if len(toks.Tokens) != 1 || toks.Tokens[0].ID != "tok-1" || toks.Tokens[0].Label != "Test token" {
		t.Fatalf("tokens: %+v", toks)
	}

	type certOut struct {
		ID      string
		Token   string
		Subject struct {
			CommonName, Organization, Title, INN, INNLE, OGRN, SNILS string
		}
		Qualified    bool
		ValidNow     bool
		KeyAlgorithm string
		KeyUsage     []string
		Certificate  []byte
	}
	list := func(filter map[string]any) []certOut {
		t.Helper()
		var r struct{ Certificates []certOut }
		c.mustCall("certificates", map[string]any{"filter": filter}, &r)
		return r.Certificates
	}
	all := list(nil)
	if len(all) != 2 {
		t.Fatalf("certificates: %d", len(all))
	}
	var leader certOut
	for _, x := range all {
		if x.ID == certID(p.leader.cert) {
			leader = x
		}
	}
	if !leader.Qualified || !leader.ValidNow || leader.Subject.INN != leaderINN || leader.Subject.INNLE != leaderINNLE ||
		leader.Subject.OGRN != leaderOGRN || leader.Subject.SNILS != leaderSNILS ||
		leader.Subject.CommonName != "Иванов Иван Иванович" || leader.KeyAlgorithm != p.leader.cert.KeyString() ||
		!bytes.Equal(leader.Certificate, p.leader.cert.Raw) || strings.Join(leader.KeyUsage, ",") != "digitalSignature,nonRepudiation" {
		t.Fatalf("leader: %+v", leader)
	}

	ids := func(cs []certOut) string {
		var s []string
		for _, x := range cs {
			switch x.ID {
			case certID(p.leader.cert):
				s = append(s, "leader")
			case certID(p.ecdsa.cert):
				s = append(s, "ecdsa")
			}
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		filter map[string]any
		want   string
	}{
		{map[string]any{"innle": leaderINNLE, "ogrn": leaderOGRN}, "leader"},
		{map[string]any{"inn": leaderINN}, "leader"},
		{map[string]any{"snils": "112-233-445 95"}, "leader"},
		{map[string]any{"innle": "7728168971"}, "ecdsa"},
		{map[string]any{"qualified": true}, "leader"},
		{map[string]any{"validNow": true}, "ecdsa,leader"},
		{map[string]any{"keyUsage": []string{"nonRepudiation"}}, "leader"},
		{map[string]any{"keyUsage": []string{"digitalSignature"}}, "ecdsa,leader"},
		{map[string]any{"innle": "7702070139"}, ""},
	} {
		got := list(tc.filter)
		if g := ids(got); g != tc.want && !(tc.want == "ecdsa,leader" && g == "leader,ecdsa") {
			t.Errorf("filter %v: %q, want %q", tc.filter, g, tc.want)
		}
	}
	// Bad identifiers and unknown members are refused.
	for _, f := range []map[string]any{
		{"innle": "7707083894"}, // bad check digit
		{"ogrn": "12"},
		{"keyUsage": []string{"everything"}},
		{"qualified": "yes"},
		{"colour": "red"},
	} {
		wantErr(t, "filter", c.call("certificates", map[string]any{"filter": f}, nil), agent.CodeInvalidParams)
	}
}

type signOut struct {
	Signature []byte
	Digest    []byte
}

func TestSignDocuments(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa, p.leader), pr)
	c := approvedClient(t, ts)
	doc := []byte("Заявление о регистрации организации\r\n")

	for _, k := range []*testKey{p.leader, p.ecdsa} {
		id := certID(k.cert)
		t.Run(k.cert.KeyString()+"/detached", func(t *testing.T) {
			var r signOut
			c.mustCall("sign", map[string]any{
				"certificate": id, "description": "Заявление", "data": doc,
				"files": []agent.FileInfo{{Name: "заявление.txt", Size: int64(len(doc))}},
			}, &r)
			opensslVerify(t, k, r.Signature, doc)
			opensslRefuses(t, k, r.Signature, append([]byte("x"), doc...))
		})
		t.Run(k.cert.KeyString()+"/attached", func(t *testing.T) {
			var r signOut
			c.mustCall("sign", map[string]any{"certificate": id, "description": "Заявление", "data": doc, "attached": true}, &r)
			if got := opensslVerify(t, k, r.Signature, nil); !bytes.Equal(got, doc) {
				t.Fatalf("attached content %q", got)
			}
		})
		t.Run(k.cert.KeyString()+"/hash", func(t *testing.T) {
			var h []byte
			if k.cert.KeyAlgorithm.IsGOST() {
				s := streebog.New256()
				s.Write(doc)
				h = s.Sum(nil)
			} else {
				s := sha256.Sum256(doc)
				h = s[:]
			}
			var r signOut
			c.mustCall("sign", map[string]any{"certificate": id, "description": "По хэшу", "hash": h,
				"files": []agent.FileInfo{{Name: "big.pdf", Size: 5 << 20}}}, &r)
			if !bytes.Equal(r.Digest, h) {
				t.Fatalf("digest %x, want %x", r.Digest, h)
			}
			opensslVerify(t, k, r.Signature, doc)
			// A hash of the wrong length is refused before any prompt.
			n := len(pr.signings)
			wantErr(t, "short hash", c.call("sign", map[string]any{"certificate": id, "hash": h[:20]}, nil), agent.CodeInvalidParams)
			if len(pr.signings) != n {
				t.Fatal("prompted for a bad request")
			}
		})
	}

	// The user saw what was signed.
	_, signings, pins, _ := pr.snapshot()
	first := signings[0]
	if first.Origin != portalOrigin || first.Description != "Заявление" || first.Kind != agent.SignDocument ||
		len(first.Files) != 1 || first.Files[0].Name != "заявление.txt" || first.Certificate != p.leader.cert {
		t.Fatalf("confirmation: %+v", first)
	}
	if len(pins) != 0 {
		t.Fatalf("PIN asked for a token without PIN: %v", pins)
	}
	// Every signature is in the journal with its document hash.
	var signed int
	readJournal(t, ts, func(r journal.Record) {
		if r.Event == journal.EventSignature && r.Outcome == journal.OutcomeSigned && r.Origin == portalOrigin && len(r.Document) >= 64 {
			signed++
		}
	})
	if signed != 6 {
		t.Fatalf("%d signatures journalled, want 6", signed)
	}
	if o, cl, _ := ts.source.counts(); o != cl || o != 6 {
		t.Fatalf("keys opened %d, closed %d", o, cl)
	}
}

func TestSignRefusals(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa), pr)
	c := approvedClient(t, ts)
	id := certID(p.ecdsa.cert)

	wantErr(t, "unknown certificate", c.call("sign", map[string]any{"certificate": "feed", "data": "eA=="}, nil), agent.CodeCertificateNotFound)
	wantErr(t, "data and hash", c.call("sign", map[string]any{"certificate": id, "data": "eA==", "hash": "eA=="}, nil), agent.CodeInvalidParams)
	wantErr(t, "neither", c.call("sign", map[string]any{"certificate": id}, nil), agent.CodeInvalidParams)
	wantErr(t, "not base64", c.call("sign", map[string]any{"certificate": id, "data": "!!"}, nil), agent.CodeInvalidParams)
	wantErr(t, "attached hash", c.call("sign", map[string]any{"certificate": id, "hash": base64.StdEncoding.EncodeToString(make([]byte, 32)), "attached": true}, nil), agent.CodeInvalidParams)
	wantErr(t, "long description", c.call("sign", map[string]any{"certificate": id, "data": "eA==", "description": strings.Repeat("я", 1001)}, nil), agent.CodeTooLarge)

	// The user declines.
	pr.mu.Lock()
	pr.confirm = func(agent.SigningRequest) error { return agent.ErrCancelled }
	pr.mu.Unlock()
	wantErr(t, "declined", c.call("sign", map[string]any{"certificate": id, "data": "eA=="}, nil), agent.CodeCancelled)

	// Hostile text is cleaned before it reaches the user.
	pr.mu.Lock()
	pr.confirm = func(agent.SigningRequest) error { return nil }
	pr.mu.Unlock()
	c.mustCall("sign", map[string]any{"certificate": id, "data": "eA==", "description": "pay\x1b[2Jme\u202eexe.pdf",
		"files": []agent.FileInfo{{Name: "a\nb\u0000c", Size: 1}}}, nil)
	_, signings, _, _ := pr.snapshot()
	last := signings[len(signings)-1]
	if last.Description != "paymeexe.pdf" || last.Files[0].Name != "a bc" {
		t.Fatalf("cleaned text: %q %q", last.Description, last.Files[0].Name)
	}
	var refused int
	readJournal(t, ts, func(r journal.Record) {
		if r.Event == journal.EventSignature && r.Outcome == journal.OutcomeRefused && r.Reason == "cancelled" {
			refused++
		}
	})
	if refused != 1 {
		t.Fatalf("journal: %d refusals", refused)
	}
}

func TestSignChallenge(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader), pr)
	c := approvedClient(t, ts)
	nonce := []byte("0123456789abcdef-nonce")
	var r struct{ Signature, Content []byte }
	c.mustCall("signChallenge", map[string]any{"certificate": certID(p.leader.cert), "nonce": nonce}, &r)
	want := agent.ChallengeContent(portalOrigin, nonce)
	if !bytes.Equal(r.Content, want) || !bytes.Contains(want, []byte("origin="+portalOrigin+"\n")) {
		t.Fatalf("content %q", r.Content)
	}
	// A login, not a document: OpenSSL verifies it with its own content
	// type.
	if sd, err := cms.Parse(r.Signature); err != nil || !sd.ContentType.Equal(login.ContentType) || sd.Version != 3 {
		t.Fatalf("signChallenge's signature: %v", err)
	}
	opensslVerify(t, p.leader, r.Signature, want)
	// The same signature does not pass for another site.
	opensslRefuses(t, p.leader, r.Signature, agent.ChallengeContent("https://evil.example", nonce))
	_, signings, _, _ := pr.snapshot()
	if signings[0].Kind != agent.SignChallenge || signings[0].Origin != portalOrigin {
		t.Fatalf("confirmation %+v", signings[0])
	}
	wantErr(t, "short nonce", c.call("signChallenge", map[string]any{"certificate": certID(p.leader.cert), "nonce": []byte("short")}, nil), agent.CodeInvalidParams)
}

func TestSignBatch(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	src := newFakeSource(p.leader)
	src.pin = "1234"
	ts := startServer(t, src, pr)
	c := approvedClient(t, ts)
	var docs []map[string]any
	var contents [][]byte
	for i := range 5 {
		d := []byte(strings.Repeat("отчёт ", i+1))
		contents = append(contents, d)
		docs = append(docs, map[string]any{"data": d, "name": "report-" + string(rune('a'+i)) + ".xml"})
	}
	_, ch := c.startCall("signBatch", map[string]any{"certificate": certID(p.leader.cert), "description": "Отчёты за квартал", "documents": docs})
	for i := range 5 {
		n := c.note("progress")
		var pn struct {
			Request, Index, Total int
			Signed                bool
		}
		jsonUnmarshal(n.Params, &pn)
		if pn.Index != i || pn.Total != 5 || !pn.Signed || pn.Request != 1+1 {
			t.Fatalf("progress %d: %+v", i, pn)
		}
	}
	m := c.wait(ch)
	if m.Error != nil {
		t.Fatalf("batch: %+v", m.Error)
	}
	var r struct {
		Results []struct {
			Index     int
			Signature []byte
			Error     *rpcErr
		}
	}
	jsonUnmarshal(m.Result, &r)
	if len(r.Results) != 5 {
		t.Fatalf("%d results", len(r.Results))
	}
	for i, res := range r.Results {
		if res.Index != i || res.Error != nil {
			t.Fatalf("result %d: %+v", i, res)
		}
		opensslVerify(t, p.leader, res.Signature, contents[i])
	}
	_, signings, pins, _ := pr.snapshot()
	if len(signings) != 1 || signings[0].Count != 5 || len(signings[0].Files) != 5 || signings[0].Kind != agent.SignBatch {
		t.Fatalf("confirmations: %+v", signings)
	}
	if len(pins) != 1 {
		t.Fatalf("PIN asked %d times for one batch", len(pins))
	}
}

// A token pulled out in the middle of a batch: the signatures made stay,
// the rest fail with token_not_found, and the user is told.
func TestBatchTokenRemoved(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	src := newFakeSource(p.ecdsa)
	src.removeAfter = 2
	ts := startServer(t, src, pr)
	c := approvedClient(t, ts)
	c.mustCall("subscribe", nil, nil)
	docs := make([]map[string]any, 5)
	for i := range docs {
		docs[i] = map[string]any{"data": []byte{byte(i)}}
	}
	var r struct {
		Results []struct {
			Signature []byte
			Error     *rpcErr
		}
	}
	c.mustCall("signBatch", map[string]any{"certificate": certID(p.ecdsa.cert), "documents": docs}, &r)
	for i, res := range r.Results {
		if i < 2 {
			if res.Error != nil || len(res.Signature) == 0 {
				t.Fatalf("document %d: %+v", i, res)
			}
			opensslVerify(t, p.ecdsa, res.Signature, []byte{byte(i)})
		} else {
			wantErr(t, "after removal", res.Error, agent.CodeTokenNotFound)
		}
	}
	ev := c.note("event")
	var e agent.TokenEvent
	jsonUnmarshal(ev.Params, &e)
	if e.Kind != agent.TokenRemoved || e.TokenID != "tok-1" {
		t.Fatalf("event %+v", e)
	}
	if _, _, _, notices := pr.snapshot(); len(notices) == 0 {
		t.Fatal("the user was not told")
	}
	// The token is gone: signing now fails cleanly.
	wantErr(t, "sign without token", c.call("sign", map[string]any{"certificate": certID(p.ecdsa.cert), "data": "eA=="}, nil), agent.CodeCertificateNotFound)
}

func TestBatchCancel(t *testing.T) {
	p := getPKI(t)
	src := newFakeSource(p.ecdsa)
	src.delay = 50 * time.Millisecond
	ts := startServer(t, src, newFakePrompter())
	c := approvedClient(t, ts)
	docs := make([]map[string]any, 40)
	for i := range docs {
		docs[i] = map[string]any{"data": "eA=="}
	}
	id, ch := c.startCall("signBatch", map[string]any{"certificate": certID(p.ecdsa.cert), "documents": docs})
	c.note("progress")
	var cr struct{ Cancelled bool }
	c.mustCall("cancel", map[string]any{"id": c.nextIDNum(id)}, &cr)
	if !cr.Cancelled {
		t.Fatal("cancel found nothing in flight")
	}
	m := c.wait(ch)
	var r struct {
		Results []struct {
			Signature []byte
			Error     *rpcErr
		}
	}
	jsonUnmarshal(m.Result, &r)
	signed, cancelled := 0, 0
	for _, res := range r.Results {
		if res.Error == nil {
			signed++
		} else if res.Error.Data.Reason == "cancelled" {
			cancelled++
		}
	}
	if signed < 1 || cancelled < 1 || signed+cancelled != 40 {
		t.Fatalf("signed %d, cancelled %d", signed, cancelled)
	}
}

// The confirmation shows what the agent found in the data it signs: the
// digest the signature will carry, the start of a text document, a PDF's
// page count. A page cannot put its own values there.
func TestConfirmationDescribesTheDocument(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.ecdsa), pr)
	c := approvedClient(t, ts)
	id := certID(p.ecdsa.cert)
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >> endobj\n" +
		"2 0 obj << /Type /Page >> endobj\n3 0 obj << /Type/Page >> endobj\n%%EOF\n")
	for _, tc := range []struct {
		data          []byte
		kind, preview string
		pages         int
	}{
		{[]byte(`{"inn": "7707083893", "ogrn": "1027700132195"}`), "json", `{"inn": "7707083893", "ogrn": "1027700132195"}`, 0},
		{[]byte("<?xml version=\"1.0\"?><Файл/>"), "xml", "<?xml version=\"1.0\"?><Файл/>", 0},
		{[]byte("Заявление\r\nо регистрации"), "text", "Заявление\nо регистрации", 0},
		// A preview is cleaned: no escape sequences, bidirectional
		// overrides or invisible characters, no runs of blank lines.
		{[]byte("Счёт\u202e\u200b\n\n\n\nк оплате \u009b2J"), "text", "Счёт\n\nк оплате", 0},
		{pdf, "pdf", "", 2},
		{[]byte{0x00, 0xff, 0x10}, "", "", 0},
	} {
		var r struct{ Digest []byte }
		c.mustCall("sign", map[string]any{
			"certificate": id, "data": tc.data, "description": "d",
			"files": []map[string]any{{"name": "doc", "size": len(tc.data)}},
		}, &r)
		_, signings, _, _ := pr.snapshot()
		f := signings[len(signings)-1].Files[0]
		want := sha256.Sum256(tc.data)
		if f.Hash != hex.EncodeToString(want[:]) || f.HashAlg == "" || !bytes.Equal(r.Digest, want[:]) {
			t.Fatalf("%s: shown hash %q (%s), signed digest %x, want %x", tc.kind, f.Hash, f.HashAlg, r.Digest, want)
		}
		if f.Name != "doc" || f.PreviewType != tc.kind || f.Preview != tc.preview || f.Pages != tc.pages {
			t.Fatalf("%s: shown %+v", tc.kind, f)
		}
	}
	// With two or more declared files the user still sees the one
	// document signed, with its digest and preview; the page's names are
	// only labels beside it.
	data := []byte("Акт сверки\n")
	var r struct{ Digest []byte }
	c.mustCall("sign", map[string]any{
		"certificate": id, "data": data, "description": "d",
		"files": []map[string]any{{"name": "a.pdf", "size": 10}, {"name": "b.xml", "size": 20}},
	}, &r)
	_, signings, _, _ := pr.snapshot()
	shown := signings[len(signings)-1]
	want := sha256.Sum256(data)
	if len(shown.Files) != 1 || shown.Files[0].Hash != hex.EncodeToString(want[:]) || !bytes.Equal(r.Digest, want[:]) ||
		shown.Files[0].Preview != "Акт сверки" || shown.Files[0].Size != int64(len(data)) {
		t.Fatalf("documents shown %+v, want the one signed with digest %x", shown.Files, want)
	}
	if len(shown.Declared) != 2 || shown.Declared[0].Name != "a.pdf" || shown.Declared[1].Name != "b.xml" ||
		shown.Declared[0].Hash != "" {
		t.Fatalf("declared files shown %+v", shown.Declared)
	}
	// A page that tries to describe the document itself is refused.
	if e := c.call("sign", map[string]any{
		"certificate": id, "data": []byte("x"),
		"files": []map[string]any{{"name": "doc", "size": 1, "hash": "00", "preview": "поддельный"}},
	}, nil); e == nil || e.Code != -32602 {
		t.Fatalf("page-made hash and preview: %+v, want bad_request", e)
	}
}
