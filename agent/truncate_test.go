package agent

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncateKeepsCharacters(t *testing.T) {
	s := strings.Repeat("ж", 10) // 2 bytes each
	for n := 0; n <= len(s)+1; n++ {
		got := truncate(s, n)
		if !utf8.ValidString(got) || len(got) > n || len(got) < n-1 {
			t.Fatalf("truncate(%d) = %q", n, got)
		}
	}
}
