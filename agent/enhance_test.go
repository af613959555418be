package agent_test

import (
	"bytes"
	"encoding/asn1"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/testpki"
)

// verifyLongTermOut is the part of verify's result about revocation and
// time-stamps.
type verifyLongTermOut struct {
	Valid      bool
	Indication string
	Signers    []struct {
		Valid                bool
		Indication           string
		SubIndication        string
		ValidationTimeSource string
		BestSignatureTime    *time.Time
		Revocation           struct {
			Status       string
			Offline      bool
			Certificates []struct{ Subject, Status, Source string }
		}
		Timestamps []struct {
			Type, Indication string
			Time             time.Time
			TSA              string
		}
	}
}

type longTermPKI struct {
	ca   *testpki.CA
	tsa  *testpki.TSA
	resp *testpki.Responder
	key  *testKey
}

func newLongTermPKI(t *testing.T) *longTermPKI {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	resp := testpki.StartResponder(t, ca)
	keyFile, certFile := ca.Issue(t, "leaf", "Иванов Иван", testpki.LeafExt+resp.Ext())
	k := loadKey(t, keyFile, certFile)
	resp.Valid(k.cert)
	return &longTermPKI{ca, tsa, resp, k}
}

func (l *longTermPKI) server(t *testing.T, pr *fakePrompter, keys ...*testKey) *testServer {
	return startServer(t, newFakeSource(append([]*testKey{l.key}, keys...)...), pr, func(o *agent.Options) {
		o.Config.TSAURL = l.tsa.URL
		o.Config.TrustAnchors = []string{l.ca.CertFile}
	})
}

// enhance makes a signature the page holds CAdES-T, then X Long Type 1,
// without a prompt; verify then reads its time-stamps and the revocation
// data it carries, and asks no responder.
func TestEnhanceMethod(t *testing.T) {
	l := newLongTermPKI(t)
	pr := newFakePrompter()
	c := approvedClient(t, l.server(t, pr))
	doc := []byte("Налоговая декларация за 2026 год")
	var bes signOut
	c.mustCall("sign", map[string]any{"certificate": certID(l.key.cert), "description": "Декларация", "data": doc}, &bes)
	shown := signings(pr)

	var tOut struct{ Signature []byte }
	c.mustCall("enhance", map[string]any{"signature": bes.Signature, "level": "CADES_T"}, &tOut)
	before, _ := cms.Parse(bes.Signature)
	sd, err := cms.Parse(tOut.Signature)
	if err != nil {
		t.Fatal(err)
	}
	si := sd.SignerInfos[0]
	if !bytes.Equal(si.Signature, before.SignerInfos[0].Signature) || !bytes.Equal(si.SignedAttributesDER(), before.SignerInfos[0].SignedAttributesDER()) {
		t.Fatal("enhance changed the signed part")
	}
	if toks, err := cades.SignatureTimestamps(si); err != nil || len(toks) != 1 {
		t.Fatalf("T: %d time-stamps, %v", len(toks), err)
	}
	opensslVerify(t, &testKey{cert: l.key.cert, certFile: l.ca.CertFile}, tOut.Signature, doc)

	var vt verifyLongTermOut
	c.mustCall("verify", map[string]any{"signature": tOut.Signature, "data": doc}, &vt)
	s := vt.Signers[0]
	if len(s.Timestamps) != 1 || s.Timestamps[0].Type != "signature-time-stamp" || s.Timestamps[0].Indication != "PASSED" ||
		s.ValidationTimeSource != "timestamp" || s.BestSignatureTime == nil || !s.BestSignatureTime.Equal(s.Timestamps[0].Time) {
		t.Fatalf("T: time-stamps %+v, time from %s", s.Timestamps, s.ValidationTimeSource)
	}
	// A CAdES-T signature carries no revocation data, and verify fetches
	// none.
	if s.Revocation.Status != "unavailable" || !s.Revocation.Offline || s.Indication != "INDETERMINATE" || s.SubIndication != "TRY_LATER" || !s.Valid {
		t.Fatalf("T: revocation %+v, verdict %s %s, valid %v", s.Revocation, s.Indication, s.SubIndication, s.Valid)
	}

	// A page may name the configured TSA itself, as CryptoPro's pages set
	// TSAAddress.
	var x struct{ Signature []byte }
	c.mustCall("enhance", map[string]any{"signature": bes.Signature, "level": "XLT1", "tsa": l.tsa.URL}, &x)
	ocspBefore, crlBefore := l.resp.Served()
	var vx verifyLongTermOut
	c.mustCall("verify", map[string]any{"signature": x.Signature, "data": doc}, &vx)
	s = vx.Signers[0]
	if vx.Indication != "PASSED" || !vx.Valid || s.Revocation.Status != "good" || len(s.Revocation.Certificates) != 1 ||
		s.Revocation.Certificates[0].Source != "ocsp" || s.Revocation.Certificates[0].Subject != "Иванов Иван" || len(s.Timestamps) != 2 {
		t.Fatalf("XLT1: %s, revocation %+v, time-stamps %+v", vx.Indication, s.Revocation, s.Timestamps)
	}
	if o, c := l.resp.Served(); o != ocspBefore || c != crlBefore {
		t.Fatalf("verify asked the responder: OCSP %d→%d, CRL %d→%d", ocspBefore, o, crlBefore, c)
	}
	opensslVerify(t, &testKey{cert: l.key.cert, certFile: l.ca.CertFile}, x.Signature, doc)
	if n := signings(pr); n != shown {
		t.Fatalf("enhance or verify prompted %d times", n-shown)
	}

	served := l.tsa.Served()
	wantErr(t, "level BES", c.call("enhance", map[string]any{"signature": bes.Signature, "level": "BES"}, nil), agent.CodeInvalidParams)
	wantErr(t, "no level", c.call("enhance", map[string]any{"signature": bes.Signature}, nil), agent.CodeInvalidParams)
	wantErr(t, "page TSA not allowed", c.call("enhance", map[string]any{"signature": bes.Signature, "level": "T", "tsa": "http://127.0.0.1:1/tsp"}, nil), agent.CodeInvalidParams)
	broken := bytes.Clone(bes.Signature)
	broken[len(broken)-5] ^= 0x01 // in the signature value
	wantErr(t, "a signature value that does not verify", c.call("enhance", map[string]any{"signature": broken, "level": "T"}, nil), agent.CodeBadRequest)
	if got := l.tsa.Served(); got != served {
		t.Fatalf("the TSA was asked %d times for refused requests", got-served)
	}
}

// A long-term co-signature time-stamps and completes only the signer it
// adds; the first signer stays CAdES-BES.
func TestCosignLongTerm(t *testing.T) {
	l := newLongTermPKI(t)
	keyFile, certFile := l.ca.Issue(t, "second", "Петров Пётр", testpki.LeafExt+l.resp.Ext())
	second := loadKey(t, keyFile, certFile)
	l.resp.Valid(second.cert)
	pr := newFakePrompter()
	c := approvedClient(t, l.server(t, pr, second))
	doc := []byte("Договор аренды")
	var first signOut
	c.mustCall("sign", map[string]any{"certificate": certID(l.key.cert), "description": "Договор", "data": doc, "attached": true}, &first)

	for _, level := range []string{"T", "CADES_X_LONG_TYPE_1"} {
		var co signOut
		c.mustCall("cosign", map[string]any{"certificate": certID(second.cert), "description": "Договор", "signature": first.Signature, "level": level}, &co)
		sd, err := cms.Parse(co.Signature)
		if err != nil {
			t.Fatal(err)
		}
		if len(sd.SignerInfos) != 2 {
			t.Fatalf("%s: %d signers", level, len(sd.SignerInfos))
		}
		if toks, _ := cades.SignatureTimestamps(sd.SignerInfos[0]); len(toks) != 0 {
			t.Errorf("%s: the first signer was time-stamped", level)
		}
		if toks, _ := cades.SignatureTimestamps(sd.SignerInfos[1]); len(toks) != 1 {
			t.Errorf("%s: the co-signer has %d time-stamps", level, len(toks))
		}
		_, refs := sd.SignerInfos[1].UnsignedAttribute(cades.OIDCompleteCertRefs)
		if refs != (level != "T") {
			t.Errorf("%s: the co-signer's references present: %v", level, refs)
		}
		var v verifyLongTermOut
		c.mustCall("verify", map[string]any{"signature": co.Signature}, &v)
		if !v.Valid || len(v.Signers) != 2 || len(v.Signers[0].Timestamps) != 0 || len(v.Signers[1].Timestamps) == 0 {
			t.Fatalf("%s: verify %+v", level, v)
		}
	}
	wantErr(t, "cosign with a bad level", c.call("cosign", map[string]any{"certificate": certID(second.cert), "signature": first.Signature, "level": "A"}, nil), agent.CodeInvalidParams)
}

// A signature carrying a CRL that revokes its signer's certificate before
// the signing time fails verify: valid false, REVOKED.
func TestVerifyRevokedSigner(t *testing.T) {
	l := newLongTermPKI(t)
	pr := newFakePrompter()
	c := approvedClient(t, l.server(t, pr))
	doc := []byte("Доверенность")
	var bes signOut
	c.mustCall("sign", map[string]any{"certificate": certID(l.key.cert), "description": "Доверенность", "data": doc}, &bes)

	// Valid: the signature carries a CRL that does not list it.
	var good verifyLongTermOut
	c.mustCall("verify", map[string]any{"signature": withCRL(t, bes.Signature, l.resp.CRL(t, time.Time{}, time.Time{})), "data": doc}, &good)
	if s := good.Signers[0]; !good.Valid || good.Indication != "PASSED" || s.Revocation.Status != "good" || s.Revocation.Certificates[0].Source != "crl" {
		t.Fatalf("not revoked: %s, %+v", good.Indication, s.Revocation)
	}

	l.resp.Revoke(l.key.cert, time.Now().Add(-time.Minute))
	var v verifyLongTermOut
	c.mustCall("verify", map[string]any{"signature": withCRL(t, bes.Signature, l.resp.CRL(t, time.Time{}, time.Time{})), "data": doc}, &v)
	s := v.Signers[0]
	if v.Valid || s.Valid || v.Indication != "FAILED" || s.SubIndication != "REVOKED" || s.Revocation.Status != "revoked" ||
		len(s.Revocation.Certificates) != 1 || s.Revocation.Certificates[0].Status != "revoked" {
		t.Fatalf("revoked: valid %v, %s %s, %+v", v.Valid, v.Indication, s.SubIndication, s.Revocation)
	}
}

// withCRL adds a revocation-values attribute holding crl to the first
// signer, as a CAdES-X Long signature carries it.
func withCRL(t *testing.T, sig, crl []byte) []byte {
	t.Helper()
	vals, err := asn1.Marshal(struct {
		CRLs []asn1.RawValue `asn1:"explicit,tag:0"`
	}{[]asn1.RawValue{{FullBytes: crl}}})
	if err != nil {
		t.Fatal(err)
	}
	attr, err := cms.MarshalAttribute(cades.OIDRevocationValues, vals)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cms.AddUnsignedAttributes(sig, 0, attr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
