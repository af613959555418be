package displaytext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Заявление  о\tрегистрации\n\nООО", "Заявление о регистрации ООО"},
		{"  padded  ", "padded"},
		// Bidirectional overrides, isolates and marks.
		{"invoice_\u202egpj.exe", "invoice_gpj.exe"},
		{"a\u2066b\u2069c\u200e\u200f\u061cd\u202a\u202ce", "abcde"},
		// Zero-width and other format characters, tags, soft hyphen.
		{"pay\u200bpal\u200c\u200d\u2060\ufeff\u00ad", "paypal"},
		{"flag\U000E0067\U000E0062\U000E007F", "flag"},
		// Variation selectors, Hangul fillers, combining grapheme joiner.
		{"x\ufe0f\U000E0100y\u3164\u115f\u034fz", "xyz"},
		// Private use and unassigned.
		{"a\ue000b\U0010fffdc", "abc"},
		// Escape sequences go whole: CSI, OSC with BEL and ST, DCS, charset.
		{"a\x1b[2J\x1b[1;1Hb", "ab"},
		{"a\x1b]0;Zavera: https://bank.example\x07b", "ab"},
		{"a\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"},
		{"a\x1bP1$r0m\x1b\\b", "ab"},
		{"a\x1b(Bb\x1bMc\x1b7d", "abcd"},
		{"a\x1b", "a"},
		{"a\x1b[31", "a"},
		{"a\x1b]unterminated title", "a"},
		// C1 forms, and other C0 and C1 controls.
		{"a\u009b2Jb", "ab"},
		{"a\u009d0;title\u009cb", "ab"},
		{"a\u0085b", "a b"},
		{"a\x08\x08\x07\x00\x7fb\u0080\u0090x\u009cc", "abc"},
		// White space of every kind collapses.
		{"a\u00a0\u2003\u3000\u2028\u2029\r\n\v\fb", "a b"},
		// Combining marks: at most three on a character.
		{"e\u0301\u0302\u0303\u0304\u0305\u0306f", "e\u0301\u0302\u0303f"},
		{"\u0301leading", "leading"},
		// Invalid UTF-8.
		{"a\xffb\xc3", "ab"},
		{"", ""},
	} {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBlock(t *testing.T) {
	in := "\n\n{\r\n\t\"a\":  1,\x1b[2J\n\n\n\n    \"b\": \"\u202e2\"\r\r\r}\n\n"
	want := "{\n    \"a\": 1,\n\n    \"b\": \"2\"\n\n}"
	if got := Block(in); got != want {
		t.Errorf("Block = %q, want %q", got, want)
	}
	if got := Block(strings.Repeat(" ", 40) + "deep"); got != strings.Repeat(" ", maxIndent)+"deep" {
		t.Errorf("indentation not capped: %q", got)
	}
}

func TestWidth(t *testing.T) {
	for _, tc := range []struct {
		s string
		w int
	}{
		{"abc", 3}, {"Иванов", 6}, {"日本語", 6}, {"ｆｕｌｌ", 8}, {"e\u0301", 1}, {"한국", 4},
	} {
		if got := Width(tc.s); got != tc.w {
			t.Errorf("Width(%q) = %d, want %d", tc.s, got, tc.w)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		cols int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a longer text", 6, "a lon…"},
		{"日本語日本語", 5, "日本…"},
		{"abc", 0, ""},
	} {
		if got := Truncate(tc.s, tc.cols); got != tc.want || Width(got) > tc.cols {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.cols, got, tc.want)
		}
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("the quick brown fox jumps over the lazy dog", 10, 3)
	want := []string{"the quick", "brown fox", "jumps ove…"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
	got = Wrap(strings.Repeat("x", 25), 10, 5)
	if strings.Join(got, "|") != "xxxxxxxxxx|xxxxxxxxxx|xxxxx" {
		t.Errorf("long word: %q", got)
	}
	got = Wrap(strings.Repeat("日", 12), 7, 5)
	for _, l := range got {
		if Width(l) > 7 {
			t.Errorf("wide line %q is %d columns", l, Width(l))
		}
	}
	if strings.Join(got, "") != strings.Repeat("日", 12) {
		t.Errorf("wide text lost: %q", got)
	}
}

func TestWrapBlock(t *testing.T) {
	got := WrapBlock("{\n  \"name\": \"a rather long value that wraps\"\n}\nmore\nand more", 20, 4)
	for _, l := range got {
		if Width(l) > 20 {
			t.Errorf("line %q over 20 columns", l)
		}
	}
	if len(got) != 4 || !strings.HasSuffix(got[3], Ellipsis) || !strings.HasPrefix(got[1], "  ") {
		t.Errorf("WrapBlock = %q", got)
	}
	if got := WrapBlock("a\nb", 20, 4); strings.Join(got, "|") != "a|b" {
		t.Errorf("short block: %q", got)
	}
}

// checkClean asserts what no cleaned text may hold.
func checkClean(t *testing.T, in, out string, block bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%q: invalid UTF-8 out %q", in, out)
	}
	marks := 0
	for i, r := range out {
		if r == '\n' && block {
			marks = 0
			continue
		}
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Co, r) ||
			unicode.Is(unicode.Variation_Selector, r) || (r != ' ' && unicode.IsSpace(r)) {
			t.Fatalf("%q: out %q holds %U at %d", in, out, r, i)
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			if marks++; marks > maxMarks {
				t.Fatalf("%q: out %q stacks marks", in, out)
			}
		} else {
			marks = 0
		}
	}
	if strings.Contains(out, "  ") && !block {
		t.Fatalf("%q: out %q has a run of spaces", in, out)
	}
	if out != strings.TrimSpace(out) && !block {
		t.Fatalf("%q: out %q not trimmed", in, out)
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"a\x1b[2Jb", "\u202eabc", "x\x1b]0;t\x07y", "\u009b31m", "a\n\n\nb", "\t  x  \r\n", "日本\u0301\u0301\u0301\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := Line(s)
		checkClean(t, s, l, false)
		if Line(l) != l {
			t.Fatalf("Line not idempotent on %q: %q then %q", s, l, Line(l))
		}
		b := Block(s)
		checkClean(t, s, b, true)
		if Block(b) != b {
			t.Fatalf("Block not idempotent on %q: %q then %q", s, b, Block(b))
		}
		for _, cols := range []int{2, 7, 76} {
			for _, w := range [][]string{Wrap(l, cols, 6), WrapBlock(b, cols, 6)} {
				if len(w) > 6 {
					t.Fatalf("%d lines", len(w))
				}
				for _, line := range w {
					if Width(line) > cols || strings.Contains(line, "\n") {
						t.Fatalf("line %q over %d columns", line, cols)
					}
				}
			}
			if tr := Truncate(l, cols); Width(tr) > cols {
				t.Fatalf("Truncate(%q, %d) = %q", l, cols, tr)
			}
		}
	})
}
