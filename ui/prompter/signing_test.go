package prompter

import (
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/ui/wire"
)

// The window process gets everything the agent found in the document, and
// what it gets passes the wire format's own checks.
func TestSigningCarriesTheDocumentDescription(t *testing.T) {
	in := []agent.FileInfo{
		{Name: "устав.pdf", Size: 1200, Hash: "ab01", HashAlg: "Streebog-256", PreviewType: "pdf", Pages: 3},
		{Name: "заявление.xml", Size: 40, Hash: "cd02", HashAlg: "Streebog-256", Preview: "<Файл/>", PreviewType: "xml"},
	}
	s := signing(agent.SignBatch, "Документы", in, 2, nil, "")
	if len(s.Files) != 2 {
		t.Fatalf("files %+v", s.Files)
	}
	for i, f := range s.Files {
		w := in[i]
		if f.Name != w.Name || f.Size != w.Size || f.Hash != w.Hash || f.HashAlg != w.HashAlg ||
			f.Preview != w.Preview || f.PreviewType != w.PreviewType || f.Pages != w.Pages {
			t.Fatalf("file %d: %+v, want %+v", i, f, w)
		}
	}
	req := wire.Request{Kind: wire.KindSign, Origin: "https://portal.example", Signing: s}
	if err := req.Validate(); err != nil {
		t.Fatalf("the wire format refuses it: %v", err)
	}
}
