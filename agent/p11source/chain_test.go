package p11source_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/p11source"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
)

// chainToken is the GOST test token with a signer issued by an
// intermediate CA under a root, the intermediate's certificate on the
// token and the root in the agent's CA folder, and an agent on it with a
// page connected.
type chainToken struct {
	p            *page
	id           string
	leaf         *provision.GOSTKey
	root, mid    *provision.GOSTCA
	rootInFolder string
}

func newChainToken(t *testing.T) *chainToken {
	osslref.Require(t)
	mod := filepath.Join(osslref.Root(t), "build", "libgosttoken.so")
	if _, err := os.Stat(mod); err != nil {
		t.Fatalf("the GOST test token is not built (%v): run make testtoken", err)
	}
	dir := t.TempDir()
	t.Setenv("GOSTTOKEN_DIR", dir)
	conf := osslref.Config(t)
	if err := provision.GOSTTokenConfig(dir, 5, "one"); err != nil {
		t.Fatal(err)
	}
	if err := provision.InitTokens(mod, gostToken); err != nil {
		t.Fatal(err)
	}
	root, err := provision.NewGOSTCA("Test Root CA", nil, dir, conf)
	if err != nil {
		t.Fatal(err)
	}
	mid, err := provision.NewGOSTCA("Test Issuing CA", root, dir, conf)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := provision.GOSTIssued(mod, gostToken, "signer", []byte("s1"), 256, "TCA", dir, conf, mid)
	if err != nil {
		t.Fatal(err)
	}
	if err := provision.CACertificate(mod, gostToken, "issuing CA", mid.DER); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	caDir := filepath.Join(state, agent.CAFolder)
	if err := os.MkdirAll(caDir, 0o700); err != nil {
		t.Fatal(err)
	}
	rootInFolder := filepath.Join(caDir, "root.pem")
	if err := os.WriteFile(rootInFolder, mustRead(t, root.CertPath), 0o600); err != nil {
		t.Fatal(err)
	}

	m, err := pkcs11.Open(pkcs11.Options{Modules: []string{mod}, NoDiscovery: true, NoEnvironment: true, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	srv, err := agent.New(agent.Options{Config: agent.Config{Origins: []string{origin}, StateDir: state},
		Tokens: p11source.New(m), Prompter: &prompter{pins: []string{provision.UserPIN}}, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	p := openPage(t, ln.Addr().String())
	p.must("hello", map[string]any{"protocols": []int{1}}, nil)

	return &chainToken{p: p, id: pkcs11.CertificateID(leaf.CertDER), leaf: leaf, root: root, mid: mid, rootInFolder: rootInFolder}
}

// A signer issued by an intermediate CA under a root, on the GOST test
// token that also holds the intermediate's certificate; the root is in
// the agent's CA folder. Each chain option gives its certificates, checked
// by parsing and by OpenSSL verifying up to the root alone.
func TestSignatureChainOnRealToken(t *testing.T) {
	ct := newChainToken(t)
	p, id, leaf, root, mid, rootInFolder := ct.p, ct.id, ct.leaf, ct.root, ct.mid, ct.rootInFolder
	doc := make([]byte, 1000)
	rand.Read(doc)
	type want struct {
		certs    [][]byte
		verifies bool // by OpenSSL with the root as the only trust anchor
	}
	signerOnly := want{[][]byte{leaf.CertDER}, false}
	exceptRoot := want{[][]byte{leaf.CertDER, mid.DER}, true}
	whole := want{[][]byte{leaf.CertDER, mid.DER, root.DER}, true}
	check := func(name string, sig []byte, w want) {
		t.Helper()
		sd, err := cms.ParseAny(sig)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(sd.Certificates) != len(w.certs) {
			t.Fatalf("%s: %d certificates, want %d", name, len(sd.Certificates), len(w.certs))
		}
		// The set is in DER order, not the chain's.
		for i, c := range w.certs {
			if !slices.ContainsFunc(sd.Certificates, func(x []byte) bool { return bytes.Equal(x, c) }) {
				t.Fatalf("%s: certificate %d of the chain is missing", name, i)
			}
		}
		err = verifyChain(t, root.CertPath, sig, doc)
		if w.verifies && err != nil {
			t.Fatalf("%s: OpenSSL: %v", name, err)
		}
		if !w.verifies && err == nil {
			t.Fatalf("%s: OpenSSL verified a signature without the intermediate CA", name)
		}
	}
	sign := func(chain string) []byte {
		t.Helper()
		params := map[string]any{"certificate": id, "data": doc}
		if chain != "" {
			params["chain"] = chain
		}
		var r struct{ Signature []byte }
		p.must("sign", params, &r)
		return r.Signature
	}
	check("default", sign(""), signerOnly)
	check("signer", sign("signer"), signerOnly)
	check("exceptRoot", sign("exceptRoot"), exceptRoot)
	whole1 := sign("whole")
	check("whole", whole1, whole)

	var batch struct {
		Results []struct{ Signature []byte }
	}
	p.must("signBatch", map[string]any{"certificate": id, "chain": "exceptRoot",
		"documents": []map[string]any{{"data": doc}, {"data": doc}}}, &batch)
	if len(batch.Results) != 2 {
		t.Fatalf("batch: %d results", len(batch.Results))
	}
	for _, r := range batch.Results {
		check("signBatch", r.Signature, exceptRoot)
	}

	// A co-signature by the same certificate adds no certificate twice.
	var co struct{ Signature []byte }
	p.must("cosign", map[string]any{"certificate": id, "signature": sign(""), "data": doc, "chain": "whole"}, &co)
	check("cosign", co.Signature, whole)

	// Without the root the chain cannot be completed: the signature
	// carries what was found, and is still made.
	if err := os.Remove(rootInFolder); err != nil {
		t.Fatal(err)
	}
	check("whole without the root", sign("whole"), exceptRoot)
	check("exceptRoot without the root", sign("exceptRoot"), exceptRoot)

	if m := p.call("sign", map[string]any{"certificate": id, "data": doc, "chain": "all"}, nil); m.Error == nil {
		t.Fatal("an unknown chain option was accepted")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verifyChain has OpenSSL verify a detached signature with rootPEM as the
// only trust anchor: the intermediate CA must come from the signature.
func verifyChain(t *testing.T, rootPEM string, sig, content []byte) error {
	dir := t.TempDir()
	s, c := filepath.Join(dir, "s.p7s"), filepath.Join(dir, "c")
	os.WriteFile(s, sig, 0o600)
	os.WriteFile(c, content, 0o600)
	_, errOut, err := osslref.Try(t, nil, "cms", "-verify", "-binary", "-inform", "DER", "-in", s, "-content", c,
		"-CAfile", rootPEM, "-purpose", "any", "-out", "/dev/null")
	if err != nil {
		return &verifyError{string(errOut)}
	}
	return nil
}
