package cades_test

import (
	"bytes"
	"context"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/testpki"
	"github.com/zavera/zavera/tsp"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAddTimestampMakesCAdEST(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	signer := ca.Signer(t, "leaf", "Иванов Иван")
	content := []byte("годовая отчётность")
	bes, err := cms.Sign(bytes.NewReader(content), signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &tsp.Client{URL: tsa.URL, Verify: &tsp.VerifyOptions{Roots: []*cert.Certificate{ca.Cert}}}
	sigT, err := cades.AddTimestamp(context.Background(), bes, client)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := cms.Parse(bes)
	sd, err := cms.Parse(sigT)
	if err != nil {
		t.Fatal(err)
	}
	si := sd.SignerInfos[0]
	if !bytes.Equal(si.SignedAttributesDER(), before.SignerInfos[0].SignedAttributesDER()) || !bytes.Equal(si.Signature, before.SignerInfos[0].Signature) {
		t.Fatal("the signed attributes or the signature value changed")
	}
	toks, err := cades.SignatureTimestamps(si)
	if err != nil || len(toks) != 1 {
		t.Fatalf("%d tokens, %v", len(toks), err)
	}
	if _, err := cades.CheckSignatureTimestamp(toks[0], si, &tsp.VerifyOptions{Roots: []*cert.Certificate{ca.Cert}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Verify(sigT, &cms.VerifyOptions{Content: bytes.NewReader(content), Roots: []*cert.Certificate{ca.Cert}}); err != nil {
		t.Fatal(err)
	}
	// OpenSSL accepts the CAdES-T signature...
	osslref.Run(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", writeFile(t, "sig.p7s", sigT),
		"-content", writeFile(t, "doc.txt", content), "-CAfile", ca.CertFile, "-purpose", "any", "-out", "/dev/null")
	// ... and its time-stamp as one over the signature value.
	osslref.Run(t, nil, "ts", "-verify", "-token_in", "-in", writeFile(t, "tok.der", toks[0].Raw),
		"-data", writeFile(t, "sigvalue.bin", si.Signature), "-CAfile", ca.CertFile)

	// A second run leaves a time-stamped signer alone.
	again, err := cades.AddTimestamp(context.Background(), sigT, client)
	if err != nil || !bytes.Equal(again, sigT) || tsa.Served() != 1 {
		t.Fatalf("second run: %v, changed %v, served %d", err, !bytes.Equal(again, sigT), tsa.Served())
	}
}

func TestAddTimestampKeepsCoSigners(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	content := []byte("договор")
	first, err := cms.Sign(bytes.NewReader(content), ca.Signer(t, "a", "Первый"), nil)
	if err != nil {
		t.Fatal(err)
	}
	both, err := cms.AddSigner(first, bytes.NewReader(content), ca.Signer(t, "b", "Второй"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sigT, err := cades.AddTimestamp(context.Background(), both, &tsp.Client{URL: tsa.URL})
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := cms.Parse(sigT)
	for i, si := range sd.SignerInfos {
		if toks, _ := cades.SignatureTimestamps(si); len(toks) != 1 || toks[0].MatchesData(si.Signature) != nil {
			t.Errorf("signer %d: %d tokens", i+1, len(toks))
		}
	}
	if _, err := cms.Verify(sigT, &cms.VerifyOptions{Content: bytes.NewReader(content), Roots: []*cert.Certificate{ca.Cert}}); err != nil {
		t.Fatal(err)
	}
}

func TestAddTimestampRefusesWrongImprint(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	bes, err := cms.Sign(bytes.NewReader([]byte("x")), ca.Signer(t, "leaf", "Иванов"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cades.AddTimestamp(context.Background(), bes, wrongStamper{&tsp.Client{URL: tsa.URL}})
	if !errors.Is(err, tsp.ErrImprint) {
		t.Fatalf("got %v, want ErrImprint", err)
	}
}

// wrongStamper time-stamps other data than it is asked to.
type asnOID = asn1.ObjectIdentifier

type wrongStamper struct{ c *tsp.Client }

func (w wrongStamper) Timestamp(ctx context.Context, alg asnOID, digest []byte) (*tsp.Token, error) {
	other := bytes.Clone(digest)
	other[0] ^= 1
	return w.c.Timestamp(ctx, alg, other)
}
