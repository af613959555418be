package prompter

import (
	"bytes"
	"fmt"
	"strings"
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

// Page text is cleaned again on its way to the window, and a batch of
// text documents, each with its preview, still fits one request.
func TestSigningCleansAndFits(t *testing.T) {
	var in []agent.FileInfo
	for i := range 300 {
		in = append(in, agent.FileInfo{Name: fmt.Sprintf("\x1b[31mотчёт-%d\u202e.xml", i), Size: 8 << 10, Hash: strings.Repeat("ab", 32),
			HashAlg: "Streebog-256", Preview: strings.Repeat("<Документ/>\n", 8<<10/len("<Документ/>\n")), PreviewType: "xml"})
	}
	s := signing(agent.SignBatch, "Отчёты\x1b]0;x\x07\u200b за год", in, len(in), nil, "")
	if s.Description != "Отчёты за год" || s.Files[7].Name != "отчёт-7.xml" || s.Files[0].Preview == "" {
		t.Fatalf("not cleaned: %q %q", s.Description, s.Files[7].Name)
	}
	for i, f := range s.Files {
		if f.Hash != in[i].Hash {
			t.Fatalf("file %d lost its digest", i)
		}
	}
	var b bytes.Buffer
	if err := wire.WriteRequest(&b, &wire.Request{Kind: wire.KindSign, Origin: "https://portal.example", Signing: s}); err != nil {
		t.Fatalf("the batch does not fit a request: %v", err)
	}
	d := declared([]agent.FileInfo{{Name: "a\u202e.pdf", Size: 3}, {Name: "b.xml", Size: -1}})
	if len(d) != 2 || d[0].Name != "a.pdf" || d[1].Size != 0 || d[0].Hash != "" {
		t.Fatalf("declared %+v", d)
	}
}
