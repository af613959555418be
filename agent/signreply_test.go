package agent

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// The answer to a signing request written without reflection is the one
// the JSON encoder writes, byte for byte; ids it cannot vouch for are
// left to the encoder.
func TestSignResponseMatchesEncoder(t *testing.T) {
	ids := []string{`1`, `0`, `-7`, `12345678901234567890`, `1.5e3`, `"a"`, `""`, `"req-1_2.3:4"`, `"Z9"`}
	others := []string{`"<script>"`, `"a&b"`, `"тест"`, `"a\"b"`, `"a b"`, `" 1"`, "\"\u2028\"", `1 `, `{"x":1}`, `"\u003c"`, `nul`, ``, `"`, `--1`}
	encode := func(id json.RawMessage, r signResult) []byte {
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(response{JSONRPC: "2.0", ID: id, Result: r}); err != nil {
			t.Fatal(err)
		}
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	for i := range 500 {
		r := signResult{Signature: make([]byte, rand.IntN(600)), Digest: make([]byte, rand.IntN(3)*32)}
		for j := range r.Signature {
			r.Signature[j] = byte(rand.IntN(256))
		}
		if i%7 == 0 {
			r.Digest = nil
		}
		for _, id := range ids {
			got, ok := appendSignResponse(nil, json.RawMessage(id), r)
			if want := encode(json.RawMessage(id), r); !ok || !bytes.Equal(got, want) {
				t.Fatalf("id %s: %v\n got %s\nwant %s", id, ok, got, want)
			}
			if r.Digest != nil && signResponseSize(json.RawMessage(id), r) != len(got) {
				t.Fatalf("id %s: size %d, written %d", id, signResponseSize(json.RawMessage(id), r), len(got))
			}
		}
	}
	for _, id := range others {
		if _, ok := appendSignResponse(nil, json.RawMessage(id), signResult{}); ok {
			t.Errorf("id %q taken without the encoder", id)
		}
	}
}
