package agent_test

import (
	"bytes"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/testpki"
	"github.com/zavera/zavera/validate"
)

// TestSignLongTerm signs at levels T and XLT1 with a TSA and an OCSP
// responder on loopback, and checks what the page may and may not ask.
func TestSignLongTerm(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	resp := testpki.StartResponder(t, ca)
	keyFile, certFile := ca.Issue(t, "leaf", "Иванов Иван", testpki.LeafExt+resp.Ext())
	k := loadKey(t, keyFile, certFile)
	resp.Valid(k.cert)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(k), pr, func(o *agent.Options) {
		o.Config.TSAURL = tsa.URL
		o.Config.TrustAnchors = []string{ca.CertFile}
	})
	c := approvedClient(t, ts)
	id := certID(k.cert)
	doc := []byte("Декларация 3-НДФЛ")
	roots := []*cert.Certificate{ca.Cert}

	for _, level := range []string{"T", "CADES_T", "XLT1"} {
		var r signOut
		c.mustCall("sign", map[string]any{"certificate": id, "description": "Декларация", "data": doc, "level": level}, &r)
		sd, err := cms.Parse(r.Signature)
		if err != nil {
			t.Fatal(err)
		}
		si := sd.SignerInfos[0]
		if toks, err := cades.SignatureTimestamps(si); err != nil || len(toks) != 1 {
			t.Fatalf("%s: %d time-stamps, %v", level, len(toks), err)
		}
		_, hasRefs := si.UnsignedAttribute(cades.OIDCompleteCertRefs)
		if hasRefs != (level == "XLT1") {
			t.Errorf("%s: complete references present: %v", level, hasRefs)
		}
		ro := &validate.RevocationOptions{Offline: true}
		rep, err := validate.Validate(r.Signature, &validate.Options{Content: bytes.NewReader(doc), Anchors: roots, Revocation: ro})
		if err != nil {
			t.Fatal(err)
		}
		s := rep.Signatures[0]
		want := validate.Passed
		if level != "XLT1" {
			// Offline, only the X Long signature carries revocation data.
			want = validate.Indeterminate
		}
		if s.Indication != want || s.ValidationTimeSource != validate.TimeTimestamp {
			t.Errorf("%s: %s %s (%s), time from %s", level, s.Indication, s.SubIndication, s.Detail, s.ValidationTimeSource)
		}
		opensslVerify(t, &testKey{cert: k.cert, certFile: ca.CertFile}, r.Signature, doc)
	}

	n := len(pr.signings)
	wantErr(t, "bad level", c.call("sign", map[string]any{"certificate": id, "data": doc, "level": "A"}, nil), agent.CodeInvalidParams)
	wantErr(t, "TSA for BES", c.call("sign", map[string]any{"certificate": id, "data": doc, "tsa": tsa.URL}, nil), agent.CodeInvalidParams)
	wantErr(t, "TSA not http", c.call("sign", map[string]any{"certificate": id, "data": doc, "level": "T", "tsa": "file:///etc/passwd"}, nil), agent.CodeInvalidParams)
	if len(pr.signings) != n {
		t.Fatal("prompted for a bad request")
	}
	wantErr(t, "page TSA not allowed", c.call("sign", map[string]any{"certificate": id, "data": doc, "level": "T", "tsa": "http://127.0.0.1:1/tsp"}, nil), agent.CodeInvalidParams)
	if len(pr.signings) != n {
		t.Fatal("prompted for a bad request")
	}
	if served := tsa.Served(); served != 4 {
		t.Errorf("the TSA answered %d requests, 4 expected (T, CADES_T, and two for XLT1)", served)
	}
}

// With pageTSA a page may name its own TSA; one that is down gives 1011
// after the user signed.
func TestSignPageTSA(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader), pr, func(o *agent.Options) { o.Config.PageTSA = true })
	c := approvedClient(t, ts)
	id, doc := certID(p.leader.cert), []byte("Заявление")
	wantErr(t, "no TSA at all", c.call("sign", map[string]any{"certificate": id, "data": doc, "level": "T"}, nil), agent.CodeBadRequest)
	var r signOut
	c.mustCall("sign", map[string]any{"certificate": id, "data": doc, "level": "T", "tsa": tsa.URL}, &r)
	sd, err := cms.Parse(r.Signature)
	if err != nil {
		t.Fatal(err)
	}
	if toks, _ := cades.SignatureTimestamps(sd.SignerInfos[0]); len(toks) != 1 {
		t.Fatalf("%d time-stamps", len(toks))
	}
	wantErr(t, "TSA down", c.call("sign", map[string]any{"certificate": id, "data": doc, "level": "T", "tsa": "http://127.0.0.1:1/"}, nil), agent.CodeUnavailable)
}

// A TSA set by the machine-wide policy is pinned.
func TestSignTSAPinnedByPolicy(t *testing.T) {
	pol, err := agent.MergePolicy(agent.Config{TSAURL: "http://user.example/tsa"}, agent.Config{TSAURL: "http://policy.example/tsa"})
	if err != nil {
		t.Fatal(err)
	}
	if pol.TSAURL != "http://policy.example/tsa" {
		t.Fatalf("tsaURL %q", pol.TSAURL)
	}
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader), pr, func(o *agent.Options) {
		var err error
		o.Config.PageTSA = true
		if o.Config, err = agent.MergePolicy(o.Config, agent.Config{TSAURL: "http://policy.example/tsa"}); err != nil {
			t.Fatal(err)
		}
	})
	c := approvedClient(t, ts)
	wantErr(t, "page TSA under policy", c.call("sign", map[string]any{"certificate": certID(p.leader.cert), "data": []byte("x"),
		"level": "T", "tsa": "http://page.example/tsa"}, nil), agent.CodeInvalidParams)
	if _, err := agent.MergePolicy(agent.Config{}, agent.Config{TSAURL: "ftp://x"}); err == nil {
		t.Error("a tsaURL that is not http(s) accepted")
	}
}
