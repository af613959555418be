package terminal

import (
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/displaytext"
)

// A co-signature names the signers already on the document; a raw
// signature says, before the page's text, that it has no container.
// Both keep to the screen with the longest text a page can send.
func TestRenderCosignAndRaw(t *testing.T) {
	digest := strings.Repeat("ab", 32)
	long := strings.Repeat("очень длинное описание ", 60)
	c := &cert.Certificate{Subject: cert.Name{CommonName: "Иванов Иван Иванович"}}
	origin := "https://" + strings.Repeat("b", 200) + ".example"
	for _, tc := range []struct {
		r          agent.SigningRequest
		want       []string
		questionOK string
	}{
		{agent.SigningRequest{Kind: agent.SignCosign, Origin: "https://portal.example", Description: "Договор", Certificate: c, Count: 1,
			Files:     []agent.FileInfo{{Name: "договор.txt", Size: 10, Hash: digest, HashAlg: "Streebog-256", Preview: "Договор поставки"}},
			Cosigners: []string{"Петрова Анна", "Сидоров\u202e Пётр"}},
			[]string{"request to add your signature", "  Signed by:   Петрова Анна, Сидоров Пётр\n", digest}, "Add your signature?"},
		{agent.SigningRequest{Kind: agent.SignRaw, Origin: "https://bank.example", Description: "Платёж", Certificate: c, Count: 1,
			Files: []agent.FileInfo{{Hash: digest, HashAlg: "Streebog-256"}}},
			[]string{"WITHOUT A CONTAINER", "can use it for any purpose", digest}, "Make a raw signature?"},
		{agent.SigningRequest{Kind: agent.SignRaw, Origin: origin, Description: long, Certificate: c, Count: 1,
			Files: []agent.FileInfo{{Hash: digest, HashAlg: "Streebog-256"}}},
			[]string{"WITHOUT A CONTAINER", "can use it for any purpose"}, "Make a raw signature?"},
		{agent.SigningRequest{Kind: agent.SignCosign, Origin: origin, Description: long, Certificate: c, Count: 1,
			Files:     []agent.FileInfo{{Name: strings.Repeat("и", 300), Hash: digest, HashAlg: "Streebog-256", Preview: strings.Repeat("строка\n", 40)}},
			Cosigners: strings.Split(strings.Repeat("Очень Длинное Имя Подписанта,", 40), ",")},
			[]string{"Signed by:"}, "Add your signature?"},
	} {
		out := renderSigning(tc.r, time.Now())
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s prompt lacks %q:\n%s", tc.r.Kind, w, out)
			}
		}
		lines := strings.Split(strings.TrimPrefix(out, "\n"), "\n")
		if len(lines) > 23 {
			t.Errorf("%s: %d lines:\n%s", tc.r.Kind, len(lines), out)
		}
		for _, l := range lines {
			if displaytext.Width(l) > 79 {
				t.Errorf("%s: line too wide: %q", tc.r.Kind, l)
			}
		}
		site := strings.Join(lines[len(lines)-1-len(chunks(tc.r.Origin, valueCols)):len(lines)-1], "")
		if lines[len(lines)-1] != tc.questionOK || strings.ReplaceAll(strings.TrimPrefix(site, "  Site:"), " ", "") != tc.r.Origin {
			t.Errorf("%s: the site and question are not last:\n%s", tc.r.Kind, out)
		}
	}
}
