package agent

import (
	"encoding/base64"
	"encoding/json"
)

// appendSignResponse appends the response to a signing request, as the
// JSON encoder writes it, to b. ok is false for an id that is not a plain
// number or a string of letters, digits and "-_.:" (one the encoder may
// escape or compact), which the caller leaves to the encoder.
func appendSignResponse(b []byte, id json.RawMessage, r signResult) (out []byte, ok bool) {
	if !plainID(id) {
		return b, false
	}
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"result":{"signature":`...)
	b = appendBase64(b, r.Signature)
	b = append(b, `,"digest":`...)
	b = appendBase64(b, r.Digest)
	return append(b, "}}"...), true
}

// signResponseSize is the length of the response appendSignResponse
// writes.
func signResponseSize(id json.RawMessage, r signResult) int {
	return len(`{"jsonrpc":"2.0","id":,"result":{"signature":"","digest":""}}`) + len(id) +
		base64.StdEncoding.EncodedLen(len(r.Signature)) + base64.StdEncoding.EncodedLen(len(r.Digest))
}

// appendBase64 appends a []byte member's value as encoding/json writes it.
func appendBase64(b, v []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// plainID reports whether id is written the same by any JSON encoder: a
// number of digits (with a sign, fraction or exponent) or a quoted string
// of letters, digits and "-_.:".
func plainID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	if id[0] == '"' {
		if len(id) < 2 || id[len(id)-1] != '"' {
			return false
		}
		for _, ch := range id[1 : len(id)-1] {
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == ':') {
				return false
			}
		}
		return true
	}
	for _, ch := range id {
		if !(ch >= '0' && ch <= '9' || ch == '-' || ch == '+' || ch == '.' || ch == 'e' || ch == 'E') {
			return false
		}
	}
	return json.Valid(id)
}
