// Package jsonstr writes JSON strings exactly as encoding/json writes
// them, without reflection: for encoders of fixed records written by hand
// (the journal's lines, whose hash covers their bytes, and verify-server's
// reports), which must stay byte for byte what encoding/json would give.
// It has no state; Append is safe for concurrent use.
package jsonstr

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// plain holds the ASCII characters Append copies as they are: all but
// the control characters, the quote, the backslash and the HTML
// characters.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// Append appends s to b quoted and escaped byte for byte as encoding/json
// writes a string with its default HTML escaping: '"' and '\\' with a
// backslash, \b, \f, \n, \r and \t in their short forms, the other control
// characters and <, > and & as \u00XX, U+2028 and U+2029 as \u2028 and
// \u2029, and each byte of invalid UTF-8 as \ufffd. Runs of eight plain
// ASCII characters and two-byte sequences (Cyrillic) are passed over
// without decoding.
func Append(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && plain8(s, i) {
			i += 8
		}
		// Fewer than eight plain characters: pass over them one by one.
		for i < len(s) && s[i] < utf8.RuneSelf && plain[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			if c >= 0xc2 && c <= 0xdf && i+1 < len(s) && s[i+1]&0xc0 == 0x80 {
				// Pass over the rest of a run of them, a word, before
				// looking for plain ASCII again.
				for i += 2; i+1 < len(s) && s[i] >= 0xc2 && s[i] <= 0xdf && s[i+1]&0xc0 == 0x80; i += 2 {
				}
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
			case r == '\u2028' || r == '\u2029':
				b = append(b, s[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			default:
				i += size
				continue
			}
			i += size
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plain8 reports whether the eight bytes of s from i are all plain
// ASCII (see plain), testing them at once: no byte has its top bit
// set, none is below 0x20, and none is one of " \ < > &. For a word v,
// (v - ones) &^ v has a byte's top bit set where that byte of v is zero,
// if no lower byte was (exact as to whether any byte is).
func plain8(s string, i int) bool {
	s = s[i : i+8]
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, bs, lt, gt, amp := x^('"'*ones), x^('\\'*ones), x^('<'*ones), x^('>'*ones), x^('&'*ones)
	bad := x | (x-0x20*ones)&^x | (q-ones)&^q | (bs-ones)&^bs | (lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp
	return bad&highs == 0
}
