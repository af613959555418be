package prompter

import (
	"bytes"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/ui/wire"
)

// A co-signature and a raw signature reach the window as what they are,
// never as a plain document signature, with the co-signers' names
// cleaned; the request passes the wire format's checks both ways.
func TestSigningKindsReachTheWindow(t *testing.T) {
	for _, kind := range []agent.SigningKind{agent.SignCosign, agent.SignRaw} {
		s := signing(kind, "Договор", []agent.FileInfo{{Hash: "ab01", HashAlg: "Streebog-256"}}, 1, nil, "")
		if s.What != string(kind) {
			t.Fatalf("%s is shown as %q", kind, s.What)
		}
		s.Cosigners = cosigners([]string{"Петрова\u202e Анна", "\x1b[31mСидоров"})
		if kind == agent.SignCosign && (len(s.Cosigners) != 2 || s.Cosigners[0] != "Петрова Анна" || s.Cosigners[1] != "Сидоров") {
			t.Fatalf("cosigners %q", s.Cosigners)
		}
		var b bytes.Buffer
		if err := wire.WriteRequest(&b, &wire.Request{Kind: wire.KindSign, Origin: "https://portal.example", Signing: s}); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		got, err := wire.ReadRequest(&b)
		if err != nil {
			t.Fatalf("%s: read back: %v", kind, err)
		}
		if got.Signing.What != string(kind) || len(got.Signing.Cosigners) != 2 {
			t.Fatalf("%s read back as %+v", kind, got.Signing)
		}
	}
}
