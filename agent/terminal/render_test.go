package terminal

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/displaytext"
)

// A signature of one document that the page described as several files
// shows the document signed, with the agent's digest and a preview, and
// the page's names only as labels.
func TestRenderDeclaredFiles(t *testing.T) {
	digest := strings.Repeat("5e", 32)
	out := renderSigning(agent.SigningRequest{Kind: agent.SignDocument, Origin: "https://portal.example", Description: "Пакет",
		Files:    []agent.FileInfo{{Name: "пакет.zip", Size: 4096, Hash: digest, HashAlg: "Streebog-256", Preview: "строка 1\nстрока 2", PreviewType: "text"}},
		Declared: []agent.FileInfo{{Name: "a.pdf", Size: 10}, {Name: "b.xml\u202e", Size: 20}}, Count: 1}, time.Now())
	for _, want := range []string{
		"  Document:    пакет.zip (4.0 KB)\n  Streebog-256 " + digest + "\n  Contents:    строка 1\n               строка 2\n",
		"  Page labels: a.pdf (10 bytes), b.xml (20 bytes)\n",
		"  Site:        https://portal.example\nSign?",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("prompt lacks %q:\n%s", want, out)
		}
	}
}

// Whatever the page and the token send, a confirmation takes at most 23
// lines of at most 79 columns, holds no control character, and ends with
// the whole origin and the question.
func FuzzRenderSigning(f *testing.F) {
	f.Add("desc\x1b[2J\n\n\n", "name\u202e", "0123abcd", "line\nline\nline\nline", "Иванов\x1b]0;x\x07", 3, 2, uint16(22))
	f.Add(strings.Repeat("слово ", 200), strings.Repeat("日", 100), strings.Repeat("f", 300), strings.Repeat("a\n", 50), "", 1, 0, uint16(500))
	f.Fuzz(func(t *testing.T, desc, name, hash, preview, cn string, nfiles, ndeclared int, originLen uint16) {
		nfiles, ndeclared = min(max(nfiles, 0), 20), min(max(ndeclared, 0), 20)
		origin := "https://" + strings.Repeat("a", int(originLen%490)) + ".example"
		r := agent.SigningRequest{Kind: agent.SignBatch, Origin: origin, Description: desc, Count: nfiles,
			Certificate: &cert.Certificate{Subject: cert.Name{CommonName: cn, Organization: cn, Title: cn}}}
		if nfiles <= 1 {
			r.Kind = agent.SignDocument
		}
		for range nfiles {
			r.Files = append(r.Files, agent.FileInfo{Name: name, Hash: hash, HashAlg: name, Preview: preview})
		}
		for range ndeclared {
			r.Declared = append(r.Declared, agent.FileInfo{Name: name})
		}
		out := renderSigning(r, time.Now())
		lines := strings.Split(strings.TrimPrefix(out, "\n"), "\n")
		if len(lines) > 23 {
			t.Fatalf("%d lines:\n%s", len(lines), out)
		}
		for _, l := range lines {
			bad := strings.IndexFunc(l, func(r rune) bool {
				return r < 0x20 || r >= 0x7f && r < 0xa0 || unicode.In(r, unicode.Cf, unicode.Co, unicode.Variation_Selector)
			})
			if displaytext.Width(l) > 79 || bad >= 0 || l != lines[0] && strings.HasPrefix(l, "==") {
				t.Fatalf("line %q too wide, not clean or a header", l)
			}
		}
		q := lines[len(lines)-1]
		site := strings.Join(lines[len(lines)-1-len(chunks(origin, valueCols)):len(lines)-1], "")
		if !strings.HasPrefix(q, "Sign") || strings.ReplaceAll(strings.TrimPrefix(site, "  Site:"), " ", "") != origin {
			t.Fatalf("origin not last:\n%s", out)
		}
	})
}
