package agent

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// b64 decodes a JSON string of standard base64. A string without escapes,
// as base64 always is, is decoded where it lies: the bytes overwrite the
// start of raw, which is left spoilt, and the result is a slice of it, so
// that a document is never copied on its way from the message to the
// signature. Anything else goes through the JSON decoder first.
func b64(raw []byte, field string) ([]byte, error) {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw[1:n-1], '\\') < 0 && bytes.IndexByte(raw[1:n-1], '"') < 0 {
		k, ok := decodeBase64InPlace(raw[1 : n-1])
		if !ok {
			return nil, badParams("%s is not base64", field)
		}
		return raw[1 : 1+k], nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, badParams("%s must be a base64 string", field)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, badParams("%s is not base64: %v", field, err)
	}
	return b, nil
}

// base64Values maps a character of the standard alphabet to its value and
// any other byte to 0xff.
var base64Values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// decodeBase64InPlace decodes padded standard base64 (what
// base64.StdEncoding accepts, but with no line breaks, which a JSON
// string cannot hold raw) into the start of b and returns its length.
// Each group of four characters is read before its three bytes are
// written, at or before the group's own place, so the input not yet read
// is never overwritten.
func decodeBase64InPlace(b []byte) (int, bool) {
	if len(b)%4 != 0 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(b); i += 4 {
		a, c, d, e := base64Values[b[i]], base64Values[b[i+1]], base64Values[b[i+2]], base64Values[b[i+3]]
		if (a|c|d|e)&0xc0 == 0 {
			v := uint32(a)<<18 | uint32(c)<<12 | uint32(d)<<6 | uint32(e)
			b[n], b[n+1], b[n+2] = byte(v>>16), byte(v>>8), byte(v)
			n += 3
			continue
		}
		// Padding, only in the last group: "xx==" or "xxx=".
		if i+4 != len(b) || a|c > 63 || b[i+3] != '=' {
			return 0, false
		}
		if b[i+2] == '=' {
			b[n] = a<<2 | c>>4
			return n + 1, true
		}
		if d > 63 {
			return 0, false
		}
		v := uint32(a)<<18 | uint32(c)<<12 | uint32(d)<<6
		b[n], b[n+1] = byte(v>>16), byte(v>>8)
		return n + 2, true
	}
	return n, true
}
