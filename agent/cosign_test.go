package agent_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost/streebog"
	"github.com/zavera/zavera/login"
)

// bothCAs writes the two test certificates into one file, the trust
// anchors OpenSSL checks a co-signed signature against.
func bothCAs(t *testing.T, keys ...*testKey) string {
	t.Helper()
	var b []byte
	for _, k := range keys {
		pemBytes, err := os.ReadFile(k.certFile)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, pemBytes...)
	}
	f := filepath.Join(t.TempDir(), "cas.pem")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// lastSigning is the last confirmation the user was shown.
func lastSigning(t *testing.T, pr *fakePrompter) agent.SigningRequest {
	t.Helper()
	_, s, _, _ := pr.snapshot()
	if len(s) == 0 {
		t.Fatal("no confirmation was shown")
	}
	return s[len(s)-1]
}

func signings(pr *fakePrompter) int {
	_, s, _, _ := pr.snapshot()
	return len(s)
}

// The director signs with ECDSA, the accountant co-signs with GOST: the
// result carries both signers, and cms.Verify and OpenSSL accept it, for
// an attached signature, a detached one with the data and one with the
// hash. The user is shown the document's digest and the first signer.
func TestCosignAddsSigner(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader, p.ecdsa), pr)
	c := approvedClient(t, ts)
	doc := []byte("Договор поставки № 17 от 7 декабря 2026 г.\n")
	roots := []*cert.Certificate{p.leader.cert, p.ecdsa.cert}
	cas := bothCAs(t, p.leader, p.ecdsa)
	want := streebog.Sum256(doc)

	checkTwo := func(t *testing.T, sig []byte, opts *cms.VerifyOptions) {
		t.Helper()
		opts.Roots = roots
		res, err := cms.Verify(sig, opts)
		if err != nil {
			t.Fatalf("cms.Verify: %v\n%v", err, res)
		}
		if len(res.Signers) != 2 {
			t.Fatalf("%d signers, want 2", len(res.Signers))
		}
		if !bytes.Equal(res.Signers[0].Certificate.Raw, p.ecdsa.cert.Raw) || !bytes.Equal(res.Signers[1].Certificate.Raw, p.leader.cert.Raw) {
			t.Fatal("the signers are not the director then the accountant")
		}
	}

	t.Run("attached", func(t *testing.T) {
		var first signOut
		c.mustCall("sign", map[string]any{"certificate": certID(p.ecdsa.cert), "description": "Договор", "data": doc, "attached": true}, &first)
		var r signOut
		c.mustCall("cosign", map[string]any{"certificate": certID(p.leader.cert), "description": "Договор, подпись бухгалтера",
			"signature": first.Signature, "name": "договор.txt"}, &r)
		if !bytes.Equal(r.Digest, want[:]) {
			t.Fatalf("digest %x, want the document's Streebog-256 %x", r.Digest, want)
		}
		sr := lastSigning(t, pr)
		if sr.Kind != agent.SignCosign || !slices.Equal(sr.Cosigners, []string{"Петрова Анна"}) {
			t.Fatalf("confirmation kind %q, cosigners %q", sr.Kind, sr.Cosigners)
		}
		if len(sr.Files) != 1 || sr.Files[0].Hash != hex.EncodeToString(want[:]) || !strings.Contains(sr.Files[0].Preview, "Договор поставки") || sr.Files[0].Name != "договор.txt" {
			t.Fatalf("the document shown: %+v", sr.Files)
		}
		checkTwo(t, r.Signature, &cms.VerifyOptions{})
		if out := opensslVerify(t, &testKey{certFile: cas}, r.Signature, nil); !bytes.Equal(out, doc) {
			t.Fatalf("OpenSSL extracted %q", out)
		}
	})

	t.Run("detached with data", func(t *testing.T) {
		var first signOut
		c.mustCall("sign", map[string]any{"certificate": certID(p.ecdsa.cert), "description": "Договор", "data": doc}, &first)
		var r signOut
		c.mustCall("cosign", map[string]any{"certificate": certID(p.leader.cert), "description": "Договор",
			"signature": first.Signature, "data": doc}, &r)
		checkTwo(t, r.Signature, &cms.VerifyOptions{Content: bytes.NewReader(doc)})
		opensslVerify(t, &testKey{certFile: cas}, r.Signature, doc)
		opensslRefuses(t, &testKey{certFile: cas}, r.Signature, []byte("другой договор"))
	})

	t.Run("detached with hash", func(t *testing.T) {
		var first signOut
		c.mustCall("sign", map[string]any{"certificate": certID(p.leader.cert), "description": "Договор", "data": doc}, &first)
		var r signOut
		c.mustCall("cosign", map[string]any{"certificate": certID(p.leader.cert), "description": "Договор",
			"signature": first.Signature, "hash": want[:]}, &r)
		sr := lastSigning(t, pr)
		if sr.Files[0].Hash != hex.EncodeToString(want[:]) || sr.Files[0].Preview != "" {
			t.Fatalf("over a hash the user sees the digest only: %+v", sr.Files[0])
		}
		res, err := cms.Verify(r.Signature, &cms.VerifyOptions{Content: bytes.NewReader(doc), Roots: roots})
		if err != nil || len(res.Signers) != 2 {
			t.Fatalf("cms.Verify: %v, %d signers", err, len(res.Signers))
		}
		opensslVerify(t, p.leader, r.Signature, doc)

		// A first signer of another algorithm (ECDSA with SHA-256, a
		// digest as long as Streebog-256's) is not held against the hash.
		c.mustCall("sign", map[string]any{"certificate": certID(p.ecdsa.cert), "description": "Договор", "data": doc}, &first)
		c.mustCall("cosign", map[string]any{"certificate": certID(p.leader.cert), "description": "Договор",
			"signature": first.Signature, "hash": want[:]}, &r)
		checkTwo(t, r.Signature, &cms.VerifyOptions{Content: bytes.NewReader(doc)})
		opensslVerify(t, &testKey{certFile: cas}, r.Signature, doc)
	})

	// Each co-signature is in the journal with the document's digest.
	var n int
	readJournal(t, ts, func(r journal.Record) {
		if r.Event == journal.EventSignature && r.Outcome == journal.OutcomeSigned && r.Document == hex.EncodeToString(want[:]) && strings.HasPrefix(r.Description, "Договор") {
			n++
		}
	})
	if n != 5 { // the four co-signatures and the GOST first signature (the ECDSA ones carry SHA-256)
		t.Fatalf("%d Streebog signatures over the document journalled, want 5", n)
	}
}

// cosign never makes a login signature and never has the user co-sign
// another document than the first signers did: a login signature, content
// with the login prefix, and a signature over other content are refused
// before any prompt.
func TestCosignRefusals(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader, p.ecdsa), pr)
	c := approvedClient(t, ts)
	leader, director := certID(p.leader.cert), certID(p.ecdsa.cert)

	var ch struct{ Signature, Content []byte }
	// The login is the co-signer's own (GOST, Streebog-256), so that the
	// hash matches its signer and only the content type refuses it.
	c.mustCall("signChallenge", map[string]any{"certificate": leader, "nonce": bytes.Repeat([]byte{7}, 32)}, &ch)
	h := streebog.Sum256(ch.Content)

	// A page can make an id-data signature of its own over the login
	// content (with any key); co-signing it is refused all the same.
	loginDoc := login.Content("https://esia.example", bytes.Repeat([]byte{9}, 32))
	own, err := cms.Sign(bytes.NewReader(loginDoc), cms.Signer{Key: p.ecdsa.key, Certificate: p.ecdsa.cert}, &cms.Options{Attached: true})
	if err != nil {
		t.Fatal(err)
	}
	ownDetached, err := cms.Sign(bytes.NewReader(loginDoc), cms.Signer{Key: p.ecdsa.key, Certificate: p.ecdsa.cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var other signOut
	c.mustCall("sign", map[string]any{"certificate": director, "description": "Акт", "data": []byte("акт 1")}, &other)
	before := signings(pr)

	for _, tc := range []struct {
		what   string
		params map[string]any
		code   agent.Code
	}{
		{"a login signature over its hash", map[string]any{"signature": ch.Signature, "hash": h[:]}, agent.CodeBadRequest},
		{"a login signature over its content", map[string]any{"signature": ch.Signature, "data": ch.Content}, agent.CodeBadRequest},
		{"attached content with the login prefix", map[string]any{"signature": own}, agent.CodeBadRequest},
		{"detached data with the login prefix", map[string]any{"signature": ownDetached, "data": loginDoc}, agent.CodeBadRequest},
		{"a signature over other content", map[string]any{"signature": other.Signature, "data": []byte("акт 2")}, agent.CodeBadRequest},
		{"data for an attached signature", map[string]any{"signature": own, "data": []byte("x")}, agent.CodeInvalidParams},
		{"neither data nor hash for a detached one", map[string]any{"signature": other.Signature}, agent.CodeInvalidParams},
		{"not a signature", map[string]any{"signature": []byte("not CMS")}, agent.CodeBadRequest},
	} {
		tc.params["certificate"] = leader
		wantErr(t, tc.what, c.call("cosign", tc.params, nil), tc.code)
	}
	if n := signings(pr); n != before {
		t.Fatalf("the user was asked to confirm %d refused co-signatures", n-before)
	}
	// A real co-signature of the same page still works.
	var r signOut
	c.mustCall("cosign", map[string]any{"certificate": leader, "signature": other.Signature, "data": []byte("акт 1")}, &r)
	if _, err := login.Verify(r.Signature, login.Options{Origin: portalOrigin, Nonce: bytes.Repeat([]byte{7}, 32),
		Roots: []*cert.Certificate{p.leader.cert, p.ecdsa.cert}}); err == nil {
		t.Fatal("a co-signature passed as a login")
	}
}
