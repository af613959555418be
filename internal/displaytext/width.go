package displaytext

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Ellipsis marks text that was cut.
const Ellipsis = "…"

// RuneWidth is the number of terminal columns r takes: 0 for combining
// marks and format characters, 2 for East Asian wide and full-width
// characters, 1 otherwise.
func RuneWidth(r rune) int {
	switch {
	case r < 0x20 || unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case r < 0x1100:
		return 1
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// Width is the number of terminal columns s takes on one line.
func Width(s string) int {
	w := 0
	for _, r := range s {
		w += RuneWidth(r)
	}
	return w
}

// Truncate cuts s to at most cols columns, ending it with Ellipsis when
// anything was cut.
func Truncate(s string, cols int) string {
	if Width(s) <= cols {
		return s
	}
	if cols < 1 {
		return ""
	}
	head, _ := split(s, cols-1)
	return strings.TrimRight(head, " ") + Ellipsis
}

// Cut cuts s after at most cols columns, keeping combining marks with
// their character, and returns both parts. It is for text without spaces
// to wrap at, such as a digest or an origin.
func Cut(s string, cols int) (head, rest string) { return split(s, cols) }

// split cuts s after at most cols columns, keeping combining marks with
// their character, and returns both parts.
func split(s string, cols int) (head, rest string) {
	w := 0
	for i, r := range s {
		rw := RuneWidth(r)
		if w+rw > cols {
			return s[:i], s[i:]
		}
		w += rw
	}
	return s, ""
}

// Wrap breaks the line s into lines of at most cols columns, between
// words where it can, and keeps at most maxLines of them; when text was
// left out the last line ends with Ellipsis. s should be clean (see Line).
func Wrap(s string, cols, maxLines int) []string {
	if cols < 2 || maxLines < 1 {
		return nil
	}
	var lines []string
	for s != "" {
		if len(lines) == maxLines-1 {
			lines = append(lines, Truncate(s, cols))
			break
		}
		if Width(s) <= cols {
			lines = append(lines, s)
			break
		}
		head, rest := split(s, cols)
		if rest[0] != ' ' {
			if i := strings.LastIndexByte(head, ' '); i > 0 {
				head, rest = head[:i], head[i:]+rest
			}
		}
		lines = append(lines, strings.TrimRight(head, " "))
		s = strings.TrimLeft(rest, " ")
	}
	return lines
}

// WrapBlock wraps each line of the block s (see Block) to cols columns,
// keeping indentation up to half the width, and keeps at most maxLines in
// all, the last ending with Ellipsis when text was left out.
func WrapBlock(s string, cols, maxLines int) []string {
	if cols < 2 || maxLines < 1 {
		return nil
	}
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if len(out) > maxLines {
			break
		}
		body := strings.TrimLeft(l, " ")
		if body == "" {
			out = append(out, "")
			continue
		}
		pad := strings.Repeat(" ", min(len(l)-len(body), cols/2))
		for _, w := range Wrap(body, cols-len(pad), maxLines+1) {
			out = append(out, pad+w)
		}
	}
	if len(out) > maxLines {
		out = out[:maxLines]
		out[maxLines-1] = withEllipsis(out[maxLines-1], cols)
	}
	return out
}

// withEllipsis ends line, cut short, with Ellipsis within cols columns.
func withEllipsis(line string, cols int) string {
	line = strings.TrimSuffix(line, Ellipsis)
	if Width(line) < cols {
		return line + Ellipsis
	}
	head, _ := split(line, cols-1)
	return strings.TrimRight(head, " ") + Ellipsis
}
