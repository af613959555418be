package agent_test

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost"
	"github.com/zavera/zavera/login"
)

const rawOrigin = "https://bank.example"

// digestTap is a signer that records the digest it is asked to sign and
// answers with a signature given in advance (or its key's own).
type digestTap struct {
	crypto.Signer
	digest []byte
	answer []byte
}

func (d *digestTap) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	d.digest = bytes.Clone(digest)
	if d.answer != nil {
		return d.answer, nil
	}
	return d.Signer.Sign(r, digest, opts)
}

// forgeLogin builds the login signature for victim and nonce that
// answer, a raw signature over the hash of its signed attributes, makes
// valid; with answer nil it returns that hash.
func forgeLogin(t *testing.T, k *testKey, victim string, nonce []byte, at time.Time, answer []byte) (hash, sig []byte) {
	t.Helper()
	tap := &digestTap{Signer: k.key, answer: answer}
	sig, err := cms.Sign(bytes.NewReader(login.Content(victim, nonce)), cms.Signer{Key: tap, Certificate: k.cert},
		&cms.Options{ContentType: login.ContentType, SigningTime: at})
	if err != nil {
		t.Fatal(err)
	}
	return tap.digest, sig
}

// signHash is refused by default, also to an approved origin, before any
// prompt; an origin the administrator lists gets it after a confirmation
// that names it a raw signature, journalled, and the signature verifies
// over the hash. The test also shows why: a raw signature over the hash
// of a login's signed attributes completes a login signature for another
// site.
func TestSignHashPolicy(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader, p.ecdsa), pr, func(o *agent.Options) {
		o.Config.Origins = append(o.Config.Origins, rawOrigin)
		o.Config.RawSignOrigins = []string{"HTTPS://BANK.example:443"} // compared in canonical form
	})
	leader := certID(p.leader.cert)
	const victim = "https://esia.example"
	nonce := bytes.Repeat([]byte{0x42}, 32)
	at := time.Now().UTC().Truncate(time.Second)
	loginHash, _ := forgeLogin(t, p.leader, victim, nonce, at, nil)

	// An approved origin that is not listed: refused, nothing shown.
	c := approvedClient(t, ts)
	wantErr(t, "signHash from an origin not listed", c.call("signHash", map[string]any{
		"certificate": leader, "description": "Платёж", "hash": loginHash}, nil), agent.CodeOriginNotAllowed)
	if signings(pr) != 0 {
		t.Fatal("the user was asked for a raw signature the policy refuses")
	}
	if !strings.Contains(ts.logText(), "raw signature refused") {
		t.Fatal("the refusal is not logged")
	}
	stranger := dial(t, ts, "https://stranger.example")
	stranger.hello()
	wantErr(t, "signHash before approval", stranger.call("signHash", map[string]any{"certificate": leader, "hash": loginHash}, nil), agent.CodeOriginNotAllowed)

	// The listed origin: the user is told it is a raw signature.
	bank := dial(t, ts, rawOrigin)
	if !bank.hello() {
		t.Fatal("the bank is not approved")
	}
	wantErr(t, "a hash of the wrong length", bank.call("signHash", map[string]any{"certificate": leader, "hash": loginHash[:31]}, nil), agent.CodeInvalidParams)
	wantErr(t, "an ECDSA key", bank.call("signHash", map[string]any{"certificate": certID(p.ecdsa.cert), "hash": loginHash}, nil), agent.CodeBadRequest)
	if signings(pr) != 0 {
		t.Fatal("the user was asked for a refused request")
	}
	var r struct{ Signature []byte }
	bank.mustCall("signHash", map[string]any{"certificate": leader, "description": "Платёж № 512", "hash": loginHash}, &r)
	sr := lastSigning(t, pr)
	if sr.Kind != agent.SignRaw || sr.Origin != rawOrigin || len(sr.Files) != 1 || sr.Files[0].Hash != hex.EncodeToString(loginHash) || sr.Description != "Платёж № 512" {
		t.Fatalf("the confirmation: %+v", sr)
	}
	pub := p.leader.cert.PublicKey.(*gost.PublicKey)
	if err := pub.Verify(loginHash, r.Signature); err != nil {
		t.Fatalf("the raw signature does not verify over the hash: %v", err)
	}
	var journalled bool
	readJournal(t, ts, func(rec journal.Record) {
		if rec.Event == journal.EventSignature && rec.Origin == rawOrigin && rec.Outcome == journal.OutcomeSigned &&
			rec.Document == hex.EncodeToString(loginHash) && strings.HasPrefix(rec.Description, "[raw] ") && rec.Certificate == leader {
			journalled = true
		}
	})
	if !journalled {
		t.Fatal("the raw signature is not in the journal")
	}

	// Why only listed origins: that raw signature completes a login for
	// another site, which login.Verify accepts.
	_, forged := forgeLogin(t, p.leader, victim, nonce, at, r.Signature)
	if _, err := login.Verify(forged, login.Options{Origin: victim, Nonce: nonce, Roots: []*cert.Certificate{p.leader.cert}, Time: at}); err != nil {
		t.Fatalf("the forged login does not verify (the test's premise): %v", err)
	}
}

// rawSignOrigins counts only from the machine-wide configuration.
func TestRawSignOriginsPolicyOnly(t *testing.T) {
	dir := t.TempDir()
	user, system := filepath.Join(dir, "user.json"), filepath.Join(dir, "system.json")
	if err := os.WriteFile(user, []byte(`{"rawSignOrigins": ["https://bank.example"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := agent.LoadConfig(user)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.ApplyPolicy(cfg, system); !errors.Is(err, agent.ErrUserRawSignOrigins) {
		t.Fatalf("a user's rawSignOrigins: %v, want ErrUserRawSignOrigins", err)
	}
	if err := os.WriteFile(user, []byte(`{"trustAnchors": ["/user/ca.pem"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(system, []byte(`{"rawSignOrigins": ["https://bank.example"], "trustAnchors": ["/etc/zavera/ca.pem"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err = agent.LoadConfig(user); err != nil {
		t.Fatal(err)
	}
	cfg, err = agent.ApplyPolicy(cfg, system)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.RawSignOrigins, []string{"https://bank.example"}) || !slices.Equal(cfg.TrustAnchors, []string{"/user/ca.pem", "/etc/zavera/ca.pem"}) {
		t.Fatalf("merged: rawSignOrigins %v, trustAnchors %v", cfg.RawSignOrigins, cfg.TrustAnchors)
	}
	if err := os.WriteFile(system, []byte(`{"rawSignOrigins": ["https://bank.example/path"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err = agent.LoadConfig(user); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.ApplyPolicy(cfg, system); err == nil || errors.Is(err, agent.ErrUserRawSignOrigins) {
		t.Fatalf("a malformed rawSignOrigins entry: %v", err)
	}
}
