package agent

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// pageObject is the pattern pdfPages scans for, as a regular expression.
var pageObject = regexp.MustCompile(`/Type\s*/Page\b`)

func TestPDFPagesMatchesThePattern(t *testing.T) {
	pieces := []string{"/Type", "/Page", "/Pages", "/Page_", "/Page1", "/PageX", " ", "\t", "\n", "\f", "\r", "\v",
		"/", "e", "<<", ">>", "/Kids [2 0 R]", "/Ty", "pe", "\x00", "Ω"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		var b []byte
		for range rng.IntN(12) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		want := len(pageObject.FindAllIndex(b, -1))
		if got := pdfPages(b); got != want {
			t.Fatalf("case %d: pdfPages(%q) = %d, the pattern finds %d", i, b, got, want)
		}
	}
	for _, c := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"/Type /Page", 1},
		{"/Type/Page/Type /Page>>", 2},
		{"/Type /Pages /Type /Page", 1},
		{"/Type\r\n/Page_x", 0},
		{"/Type /Type /Page", 1},
	} {
		if got := pdfPages([]byte(c.in)); got != c.want {
			t.Errorf("pdfPages(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}
