package p11source_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/p11source"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/gost/streebog"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

// cosign, verify, hashing in pieces and signHash on real tokens: the GOST
// test token co-signs a SoftHSM ECDSA signature (OpenSSL verifies both
// signers), verify names both, and the token's raw GOST R 34.10 signature
// over a hash made in pieces verifies over that hash.
func TestCoreMethodsOnRealTokens(t *testing.T) {
	tk := provisionTokens(t)
	m := tk.open(t)
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	pr := &prompter{pins: []string{provision.UserPIN}}
	srv, err := agent.New(agent.Options{Config: agent.Config{Origins: []string{origin}, RawSignOrigins: []string{origin}},
		Tokens: p11source.New(m), Prompter: pr, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	p := openPage(t, ln.Addr().String())
	p.must("hello", map[string]any{"protocols": []int{1}}, nil)
	gostID, ecdsaID := pkcs11.CertificateID(tk.gost.CertDER), pkcs11.CertificateID(tk.ecdsa.CertDER)
	doc := []byte("Акт сверки взаимных расчётов за 2026 год\n")

	var first, both struct{ Signature, Digest []byte }
	p.must("sign", map[string]any{"certificate": ecdsaID, "description": "Акт", "data": doc}, &first)
	p.must("cosign", map[string]any{"certificate": gostID, "description": "Акт", "signature": first.Signature, "data": doc}, &both)
	cas := filepath.Join(t.TempDir(), "cas.pem")
	var pems []byte
	for _, f := range []string{tk.gost.CertPEM, tk.ecdsa.CertPEM} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pems = append(pems, b...)
	}
	if err := os.WriteFile(cas, pems, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := verify(t, cas, both.Signature, doc); err != nil {
		t.Fatalf("OpenSSL refuses the co-signed signature: %v", err)
	}
	var v struct {
		Valid   bool
		Signers []struct {
			Certificate    []byte
			SignatureValid bool
		}
	}
	p.must("verify", map[string]any{"signature": both.Signature, "data": doc}, &v)
	if len(v.Signers) != 2 || !bytes.Equal(v.Signers[0].Certificate, tk.ecdsa.CertDER) || !bytes.Equal(v.Signers[1].Certificate, tk.gost.CertDER) ||
		!v.Signers[0].SignatureValid || !v.Signers[1].SignatureValid {
		t.Fatalf("verify: %+v", v)
	}

	var st struct{ Handle string }
	p.must("hashStart", map[string]any{"algorithm": "Streebog-256"}, &st)
	for _, piece := range [][]byte{doc[:5], doc[5:40], doc[40:]} {
		p.must("hashUpdate", map[string]any{"handle": st.Handle, "data": piece}, nil)
	}
	var h struct{ Hash []byte }
	p.must("hashFinish", map[string]any{"handle": st.Handle}, &h)
	if want := streebog.Sum256(doc); !bytes.Equal(h.Hash, want[:]) {
		t.Fatalf("hash in pieces %x, want %x", h.Hash, want)
	}
	var raw struct{ Signature []byte }
	p.must("signHash", map[string]any{"certificate": gostID, "description": "Акт", "hash": h.Hash}, &raw)
	c, err := cert.Parse(tk.gost.CertDER)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PublicKey.(*gost.PublicKey).Verify(h.Hash, raw.Signature); err != nil {
		t.Fatalf("the token's raw signature: %v", err)
	}
	if m := p.call("signHash", map[string]any{"certificate": ecdsaID, "hash": h.Hash}, nil); m.Error == nil || m.Error.Data.Reason != "bad_request" {
		t.Fatalf("signHash with an ECDSA key: %+v", m.Error)
	}
}
