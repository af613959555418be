package agent_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/login"
)

// An approved page fetches a nonce from another portal and asks sign and
// signBatch for that portal's login content: the agent refuses the data
// before any prompt, and what it makes over the content's hash is a
// document signature, which login.Verify refuses. signChallenge makes the
// one signature that passes, for the page's own origin only.
func TestLoginOnlyThroughSignChallenge(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader, p.ecdsa), pr)
	c := approvedClient(t, ts)
	const victim = "https://esia.example"
	nonce := bytes.Repeat([]byte{0x5a}, 32)
	stolen := agent.ChallengeContent(victim, nonce)

	for _, k := range []*testKey{p.leader, p.ecdsa} {
		id := certID(k.cert)
		roots := []*cert.Certificate{k.cert}
		t.Run(k.cert.KeyString(), func(t *testing.T) {
			_, before, _, _ := pr.snapshot()
			wantErr(t, "sign over the login content", c.call("sign", map[string]any{
				"certificate": id, "description": "Квитанция", "data": stolen}, nil), agent.CodeBadRequest)
			wantErr(t, "attached sign over the login content", c.call("sign", map[string]any{
				"certificate": id, "description": "Квитанция", "data": stolen, "attached": true}, nil), agent.CodeBadRequest)
			wantErr(t, "signBatch with the login content", c.call("signBatch", map[string]any{
				"certificate": id, "description": "Квитанции", "documents": []map[string]any{
					{"data": []byte("квитанция 1"), "name": "1.txt"}, {"data": stolen, "name": "2.txt"}}}, nil), agent.CodeBadRequest)
			wantErr(t, "any data with the login prefix", c.call("sign", map[string]any{
				"certificate": id, "data": []byte(login.Prefix + "v2\n")}, nil), agent.CodeBadRequest)
			if _, after, _, _ := pr.snapshot(); len(after) != len(before) {
				t.Fatalf("the user was asked to confirm %d refused requests", len(after)-len(before))
			}

			// Over the hash the agent cannot see the content: it signs
			// a document, and a document is no login.
			h, err := cms.NewHash(k.cert.PublicKey, 0)
			if err != nil {
				t.Fatal(err)
			}
			h.Write(stolen)
			var r signOut
			c.mustCall("sign", map[string]any{"certificate": id, "description": "Квитанция", "hash": h.Sum(nil)}, &r)
			if _, err := login.Verify(r.Signature, login.Options{Origin: victim, Nonce: nonce, Roots: roots}); !errors.Is(err, login.ErrNotLogin) {
				t.Fatalf("a sign signature over the login content's hash: %v, want ErrNotLogin", err)
			}
			var b struct {
				Results []struct{ Signature []byte }
			}
			c.mustCall("signBatch", map[string]any{"certificate": id, "documents": []map[string]any{{"hash": h.Sum(nil)}}}, &b)
			if _, err := login.Verify(b.Results[0].Signature, login.Options{Origin: victim, Nonce: nonce, Roots: roots}); !errors.Is(err, login.ErrNotLogin) {
				t.Fatalf("a signBatch signature over the login content's hash: %v, want ErrNotLogin", err)
			}

			// signChallenge: a login for this page's origin, not the other's.
			var ch struct{ Signature, Content []byte }
			c.mustCall("signChallenge", map[string]any{"certificate": id, "nonce": nonce}, &ch)
			res, err := login.Verify(ch.Signature, login.Options{Origin: portalOrigin, Nonce: nonce, Roots: roots})
			if err != nil {
				t.Fatalf("signChallenge's signature: %v\n%v", err, res)
			}
			if res.Signers[0].Certificate != nil && !bytes.Equal(res.Signers[0].Certificate.Raw, k.cert.Raw) {
				t.Fatal("the login names another certificate")
			}
			if _, err := login.Verify(ch.Signature, login.Options{Origin: victim, Nonce: nonce, Roots: roots}); !errors.Is(err, cms.ErrMessageDigest) {
				t.Fatalf("signChallenge's signature on another portal: %v, want ErrMessageDigest", err)
			}
		})
	}
	if log := ts.logText(); !strings.Contains(log, "a login challenge is signed only by signChallenge") {
		t.Fatalf("no log line for the refusals:\n%s", log)
	}
}
