package agent_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/gost/streebog"
)

// rfcHex decodes a value as RFC 6986 prints it (most significant byte
// first) into the byte order the hash outputs.
func rfcHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

type hashOut struct {
	Algorithm string
	Hash      []byte
}

// hashInPieces hashes data on c in pieces of the given sizes, sending the
// updates without waiting for their answers.
func hashInPieces(t *testing.T, c *client, alg string, data []byte, pieces ...int) []byte {
	t.Helper()
	var st struct{ Handle string }
	c.mustCall("hashStart", map[string]any{"algorithm": alg}, &st)
	var waits []chan message
	for len(data) > 0 {
		n := len(data)
		if len(pieces) > 0 {
			n, pieces = min(pieces[0], n), pieces[1:]
		}
		_, ch := c.startCall("hashUpdate", map[string]any{"handle": st.Handle, "data": data[:n]})
		waits = append(waits, ch)
		data = data[n:]
	}
	for _, ch := range waits {
		if m := c.wait(ch); m.Error != nil {
			t.Fatalf("hashUpdate: %+v", m.Error)
		}
	}
	var out hashOut
	c.mustCall("hashFinish", map[string]any{"handle": st.Handle}, &out)
	if out.Algorithm != alg {
		t.Fatalf("hashFinish names %q, want %q", out.Algorithm, alg)
	}
	return out.Hash
}

// Hashing in pieces gives RFC 6986's Streebog values and the one-shot
// hash of any data, whatever the cut; the hash then signs with sign, and
// the user sees only the digest.
func TestHashInPieces(t *testing.T) {
	p := getPKI(t)
	pr := newFakePrompter()
	ts := startServer(t, newFakeSource(p.leader), pr)
	c := approvedClient(t, ts)

	// RFC 6986 section 10, example M1 (63 bytes), cut at 1, 31 and the rest.
	m1 := rfcHex(t, "323130393837363534333231303938373635343332313039383736353433323130393837363534333231303938373635343332313039383736353433323130")
	if got, want := hashInPieces(t, c, "Streebog-512", m1, 1, 31), rfcHex(t, "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b"); !bytes.Equal(got, want) {
		t.Fatalf("M1 Streebog-512 = %x, want %x", got, want)
	}
	if got, want := hashInPieces(t, c, "Streebog-256", m1, 62), rfcHex(t, "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d"); !bytes.Equal(got, want) {
		t.Fatalf("M1 Streebog-256 = %x, want %x", got, want)
	}
	m2 := rfcHex(t, "fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1")
	if got, want := hashInPieces(t, c, "Streebog-256", m2, 64, 0, 7), rfcHex(t, "508f7e553c06501d749a66fc28c6cac0b005746d97537fa85d9e40904efed29d"); !bytes.Equal(got, want) {
		t.Fatalf("M2 Streebog-256 = %x, want %x", got, want)
	}

	doc := make([]byte, 300_001)
	rand.Read(doc)
	one := streebog.Sum256(doc)
	for _, cut := range [][]int{{1}, {63, 64, 65}, {100_000, 100_000}, {300_001}} {
		if got := hashInPieces(t, c, "Streebog-256", doc, cut...); !bytes.Equal(got, one[:]) {
			t.Fatalf("cut %v: %x, want %x", cut, got, one)
		}
	}
	if got, want := hashInPieces(t, c, "SHA-256", doc, 4096), sha256.Sum256(doc); !bytes.Equal(got, want[:]) {
		t.Fatalf("SHA-256 in pieces: %x, want %x", got, want)
	}
	if got, want := hashInPieces(t, c, "Streebog-512", nil), streebog.Sum512(nil); !bytes.Equal(got, want[:]) {
		t.Fatalf("Streebog-512 of nothing: %x, want %x", got, want)
	}
	if signings(pr) != 0 {
		t.Fatal("hashing asked the user")
	}

	// The hash signs with sign; the user sees its digest, no preview.
	h := hashInPieces(t, c, "Streebog-256", doc, 65536)
	var r signOut
	c.mustCall("sign", map[string]any{"certificate": certID(p.leader.cert), "description": "Архив", "hash": h}, &r)
	if _, err := cms.Verify(r.Signature, &cms.VerifyOptions{Content: bytes.NewReader(doc)}); err != nil {
		t.Fatalf("the signature over the hash: %v", err)
	}
	if sr := lastSigning(t, pr); sr.Files[0].Hash != hex.EncodeToString(one[:]) || sr.Files[0].Preview != "" {
		t.Fatalf("shown: %+v", sr.Files[0])
	}
}

// Hash states are bounded per connection, belong to it, and go with it.
func TestHashStatesBounded(t *testing.T) {
	p := getPKI(t)
	ts := startServer(t, newFakeSource(p.leader), newFakePrompter())
	c := approvedClient(t, ts)
	other := approvedClient(t, ts)
	base := agent.OpenHashStates()

	var handles []string
	for i := range 16 {
		var st struct{ Handle string }
		c.mustCall("hashStart", map[string]any{"algorithm": "Streebog-256"}, &st)
		if st.Handle == "" {
			t.Fatalf("state %d: no handle", i)
		}
		handles = append(handles, st.Handle)
	}
	wantErr(t, "a 17th state", c.call("hashStart", map[string]any{"algorithm": "Streebog-256"}, nil), agent.CodeTooLarge)
	if n := agent.OpenHashStates() - base; n != 16 {
		t.Fatalf("%d states open, want 16", n)
	}
	wantErr(t, "another connection's handle", other.call("hashUpdate", map[string]any{"handle": handles[0], "data": []byte("x")}, nil), agent.CodeInvalidParams)
	wantErr(t, "an unknown algorithm", c.call("hashStart", map[string]any{"algorithm": "MD5"}, nil), agent.CodeInvalidParams)
	c.mustCall("hashFinish", map[string]any{"handle": handles[0]}, nil)
	wantErr(t, "a finished handle", c.call("hashFinish", map[string]any{"handle": handles[0]}, nil), agent.CodeInvalidParams)
	c.mustCall("hashStart", map[string]any{"algorithm": "Streebog-512"}, nil)

	stranger := dial(t, ts, "https://stranger.example")
	stranger.hello()
	wantErr(t, "hashStart before approval", stranger.call("hashStart", map[string]any{"algorithm": "Streebog-256"}, nil), agent.CodeOriginNotAllowed)

	// Closing the connection frees its states.
	c.ws.Close()
	deadline := time.Now().Add(10 * time.Second)
	for agent.OpenHashStates() != base {
		if time.Now().After(deadline) {
			t.Fatalf("%d states still open after the connection closed", agent.OpenHashStates()-base)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
