package displaytext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxMarks is how many combining marks one character may carry.
const maxMarks = 3

// Line returns s cleaned to a single line: escape sequences, control,
// format and invisible characters removed, every run of white space (line
// breaks included) made one space, and no space at either end.
func Line(s string) string {
	var c cleaner
	c.b.Grow(len(s))
	c.scan(s)
	return strings.TrimRight(c.b.String(), " ")
}

// Block returns s cleaned as Line does, but keeping its line breaks: each
// line's inner runs of white space become one space, its indentation is
// kept up to maxIndent columns (a tab counts four), no line ends in a
// space, at most one empty line follows another line, and there is no
// empty line at either end.
func Block(s string) string {
	var out strings.Builder
	var c cleaner
	blank := false
	for _, line := range splitLines(s) {
		c.b.Reset()
		c.marks, c.space = 0, false
		body := strings.TrimLeft(line, " \t")
		indent := 0
		for _, b := range line[:len(line)-len(body)] {
			indent++
			if b == '\t' {
				indent += 3
			}
		}
		line = body
		c.scan(line)
		text := strings.TrimRight(c.b.String(), " ")
		if text == "" {
			blank = out.Len() > 0
			continue
		}
		if out.Len() > 0 {
			out.WriteByte('\n')
			if blank {
				out.WriteByte('\n')
			}
		}
		blank = false
		out.WriteString(strings.Repeat(" ", min(indent, maxIndent)))
		out.WriteString(text)
	}
	return out.String()
}

// maxIndent caps the indentation Block keeps.
const maxIndent = 16

// splitLines splits s at LF, CR LF, CR, VT, FF, NEL, LS and PS.
func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\v', '\f', 0x85, 0x2028, 0x2029:
			lines = append(lines, s[start:i])
			start = i + n
		case '\r':
			lines = append(lines, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				n++
			}
			start = i + n
		}
		i += n
	}
	return append(lines, s[start:])
}

// cleaner writes the visible part of text into b.
type cleaner struct {
	b     strings.Builder
	marks int  // combining marks on the last character written
	space bool // a space is owed before the next character
}

// scan cleans s into c.b. A space is written only between two visible
// characters, so that nothing starts with one.
func (c *cleaner) scan(s string) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			i++ // invalid UTF-8
			continue
		}
		switch {
		case r == 0x1b:
			i += escapeLen(s[i:])
			continue
		case r == 0x9b: // CSI
			i += n + csiLen(s[i+n:])
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // OSC, DCS, SOS, PM, APC
			i += n + stringLen(s[i+n:])
			continue
		}
		i += n
		switch {
		case isSpace(r):
			if c.b.Len() > 0 {
				c.space = true
			}
		case invisible(r):
		case unicode.In(r, unicode.Mn, unicode.Me):
			if c.marks < maxMarks && c.b.Len() > 0 && !c.space {
				c.b.WriteRune(r)
				c.marks++
			}
		default:
			if c.space {
				c.b.WriteByte(' ')
				c.space = false
			}
			c.b.WriteRune(r)
			c.marks = 0
		}
	}
}

// isSpace reports white space and line breaks, control characters that
// separate (tab, LF, VT, FF, CR) included.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == 0x2028 || r == 0x2029 || r == 0x180e
}

// invisible reports the characters removed: controls, format characters
// (bidirectional controls, zero-width characters, tags), private use,
// unassigned code points, variation selectors and the other
// default-ignorable code points, and the Hangul fillers, which draw as
// blanks.
func invisible(r rune) bool {
	return !unicode.IsGraphic(r) ||
		unicode.In(r, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) ||
		r == 0x115f || r == 0x1160 || r == 0x3164 || r == 0xffa0
}

// escapeLen is the length of the escape sequence at the start of s,
// which starts with ESC, as a terminal would read it.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch b := s[1]; {
	case b == '[':
		return 2 + csiLen(s[2:])
	case b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_':
		return 2 + stringLen(s[2:])
	case b >= 0x20 && b <= 0x2f: // intermediates, then one final byte
		i := 2
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case b >= 0x30 && b <= 0x7e:
		return 2
	}
	return 1 // a lone ESC: the next character is read on its own
}

// csiLen is the length of a control sequence's parameters, intermediates
// and final byte at the start of s. A byte that cannot be in the
// sequence ends it, unread.
func csiLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= 0x20 && b <= 0x3f:
		case b >= 0x40 && b <= 0x7e:
			return i + 1
		default:
			return i
		}
	}
	return len(s)
}

// stringLen is the length of a control string (OSC, DCS and the others)
// at the start of s, with its terminator: BEL, ESC \ or ST. A string
// that never ends runs to the end of s, as it would on a terminal.
func stringLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 0x07:
			return i + 1
		case 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i + 1
		case 0xc2:
			if i+1 < len(s) && s[i+1] == 0x9c { // ST as UTF-8
				return i + 2
			}
		}
	}
	return len(s)
}
