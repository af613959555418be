package agent_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost/streebog"
)

type verifyOut struct {
	Valid      bool
	Indication string
	Content    []byte
	Signers    []struct {
		Certificate []byte
		Subject     struct {
			CommonName string
			INN        string
		}
		SigningTime      *time.Time
		DigestAlgorithm  string
		SignatureValid   bool
		CertificateValid bool
		Chain            string
		Valid            bool
		Indication       string
		SubIndication    string
		ValidationTime   time.Time
		Checks           []struct{ Name, Outcome string }
	}
}

// verify tells the page who signed, when, and whether each signature and
// chain hold; a tampered signature is flagged, not hidden. It shows
// nothing to the user and serves approved origins only.
func TestVerifyForPage(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	withAnchors := func(o *agent.Options) { o.Config.TrustAnchors = []string{p.leader.certFile, p.ecdsa.certFile} }
	ts := startServer(t, newFakeSource(p.leader, p.ecdsa), pr, withAnchors)
	bare := startServer(t, newFakeSource(p.leader, p.ecdsa), pr)
	c := approvedClient(t, ts)
	doc := []byte("Протокол общего собрания участников\n")
	start := time.Now().Add(-time.Second)

	var first, both signOut
	c.mustCall("sign", map[string]any{"certificate": certID(p.ecdsa.cert), "description": "Протокол", "data": doc, "attached": true}, &first)
	c.mustCall("cosign", map[string]any{"certificate": certID(p.leader.cert), "description": "Протокол", "signature": first.Signature}, &both)
	shown := signings(pr)

	var v verifyOut
	c.mustCall("verify", map[string]any{"signature": both.Signature}, &v)
	if !v.Valid || !bytes.Equal(v.Content, doc) || len(v.Signers) != 2 {
		t.Fatalf("verify: valid %v, content %q, %d signers", v.Valid, v.Content, len(v.Signers))
	}
	for i, want := range []*testKey{p.ecdsa, p.leader} {
		s := v.Signers[i]
		if !bytes.Equal(s.Certificate, want.cert.Raw) || s.Subject.CommonName != want.cert.Subject.CommonName {
			t.Fatalf("signer %d: %q, want %q", i, s.Subject.CommonName, want.cert.Subject.CommonName)
		}
		if s.SigningTime == nil || s.SigningTime.Before(start) || s.SigningTime.After(time.Now().Add(time.Second)) {
			t.Fatalf("signer %d: signing time %v", i, s.SigningTime)
		}
		if !s.SignatureValid || !s.CertificateValid || s.Chain != "valid" || !s.Valid || len(s.Checks) == 0 {
			t.Fatalf("signer %d: %+v", i, s)
		}
		if s.Indication != "PASSED" || s.SubIndication != "" || !s.ValidationTime.Equal(s.SigningTime.Truncate(time.Second)) {
			t.Fatalf("signer %d: verdict %s %s at %v", i, s.Indication, s.SubIndication, s.ValidationTime)
		}
	}
	if v.Indication != "PASSED" {
		t.Fatalf("verdict %s", v.Indication)
	}
	if v.Signers[1].Subject.INN != leaderINN || v.Signers[1].DigestAlgorithm != "Streebog-256" {
		t.Fatalf("the accountant: %+v", v.Signers[1])
	}

	// Without trust anchors the chain is unchecked, and so not valid.
	cb := approvedClient(t, bare)
	var u verifyOut
	cb.mustCall("verify", map[string]any{"signature": both.Signature}, &u)
	if u.Valid || u.Signers[1].Chain != "unchecked" || !u.Signers[1].SignatureValid || u.Signers[1].Valid {
		t.Fatalf("without anchors: %+v", u)
	}
	if u.Indication != "INDETERMINATE" || u.Signers[1].Indication != "INDETERMINATE" || u.Signers[1].SubIndication != "NO_CERTIFICATE_CHAIN_FOUND" {
		t.Fatalf("without anchors: verdict %s, signer %s %s", u.Indication, u.Signers[1].Indication, u.Signers[1].SubIndication)
	}

	// The content changed in the signature: both signers fail.
	tampered := bytes.Clone(both.Signature)
	i := bytes.Index(tampered, doc)
	if i < 0 {
		t.Fatal("the content is not in the signature")
	}
	tampered[i] ^= 0x01
	var tv verifyOut
	c.mustCall("verify", map[string]any{"signature": tampered}, &tv)
	if tv.Valid || tv.Signers[0].SignatureValid || tv.Signers[1].SignatureValid || tv.Signers[1].Valid {
		t.Fatalf("a tampered content passed: %+v", tv)
	}
	if !hasCheck(tv.Signers[1].Checks, "message-digest", "failed") {
		t.Fatalf("the failed check is not named: %+v", tv.Signers[1].Checks)
	}
	if tv.Indication != "FAILED" || tv.Signers[1].Indication != "FAILED" || tv.Signers[1].SubIndication != "HASH_FAILURE" {
		t.Fatalf("tampered content: verdict %s, signer %s %s", tv.Indication, tv.Signers[1].Indication, tv.Signers[1].SubIndication)
	}

	// The last signer's signature value changed: only that signer fails.
	sigVal := bytes.Clone(both.Signature)
	sigVal[len(sigVal)-5] ^= 0x01 // the end of the last SignerInfo's signature
	var sv verifyOut
	c.mustCall("verify", map[string]any{"signature": sigVal}, &sv)
	if sv.Valid || !sv.Signers[0].Valid || sv.Signers[1].SignatureValid || !hasCheck(sv.Signers[1].Checks, "signature", "failed") {
		t.Fatalf("a broken signature value: %+v", sv)
	}
	if sv.Indication != "FAILED" || sv.Signers[0].Indication != "PASSED" || sv.Signers[1].SubIndication != "SIG_CRYPTO_FAILURE" {
		t.Fatalf("a broken signature value: verdict %s, signers %s, %s %s", sv.Indication, sv.Signers[0].Indication, sv.Signers[1].Indication, sv.Signers[1].SubIndication)
	}

	// Detached, with the data or its hash.
	if n := signings(pr); n != shown {
		t.Fatalf("verify showed %d prompts", n-shown)
	}
	var det signOut
	c.mustCall("sign", map[string]any{"certificate": certID(p.leader.cert), "description": "Протокол", "data": doc}, &det)
	shown = signings(pr)
	h := streebog.Sum256(doc)
	for _, params := range []map[string]any{{"data": doc}, {"hash": h[:]}} {
		params["signature"] = det.Signature
		var dv verifyOut
		c.mustCall("verify", params, &dv)
		if !dv.Valid || dv.Content != nil || len(dv.Signers) != 1 || !dv.Signers[0].Valid {
			t.Fatalf("detached %v: %+v", params, dv)
		}
	}
	var wrong verifyOut
	c.mustCall("verify", map[string]any{"signature": det.Signature, "data": []byte("другой протокол")}, &wrong)
	if wrong.Valid || wrong.Signers[0].SignatureValid {
		t.Fatalf("a detached signature over other data passed: %+v", wrong)
	}
	wantErr(t, "detached without data", c.call("verify", map[string]any{"signature": det.Signature}, nil), agent.CodeInvalidParams)
	wantErr(t, "not CMS", c.call("verify", map[string]any{"signature": []byte("not CMS")}, nil), agent.CodeBadRequest)
	if n := signings(pr); n != shown {
		t.Fatalf("verify showed %d prompts", n-shown)
	}

	// A signature with more signers than any document has is refused
	// before its signatures are checked, by cosign too.
	many := first.Signature
	for range 100 {
		var err error
		if many, err = cms.AddSigner(many, nil, cms.Signer{Key: p.ecdsa.key, Certificate: p.ecdsa.cert}, nil); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "verify with 101 signers", c.call("verify", map[string]any{"signature": many}, nil), agent.CodeTooLarge)
	wantErr(t, "cosign with 101 signers", c.call("cosign", map[string]any{"certificate": certID(p.leader.cert), "signature": many}, nil), agent.CodeTooLarge)

	// An origin that is not approved learns nothing.
	stranger := dial(t, ts, "https://stranger.example")
	stranger.hello()
	wantErr(t, "verify before approval", stranger.call("verify", map[string]any{"signature": []byte{0x30}}, nil), agent.CodeOriginNotAllowed)
}

func hasCheck(checks []struct{ Name, Outcome string }, name, outcome string) bool {
	for _, c := range checks {
		if c.Name == name && c.Outcome == outcome {
			return true
		}
	}
	return false
}
