package agent

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// b64 decodes a plain string where it lies and anything else through the
// JSON decoder: the two agree on every input, in result and in failing.
func TestB64MatchesTheJSONDecoder(t *testing.T) {
	slow := func(raw json.RawMessage) ([]byte, bool) {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		b, err := base64.StdEncoding.DecodeString(s)
		return b, err == nil
	}
	alphabet := []byte("ABCxyz019+/=\\\"u\n\r é<")
	inputs := []string{`""`, `"eA=="`, `"eA="`, `"e A=="`, `"\u0065A=="`, `"eA\/="`, `null`, `1`, `"`, `"eA==\n"`, `"\r\neA=="`, `["eA=="]`}
	for range 20000 {
		n := rand.IntN(12)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rand.IntN(len(alphabet))]
		}
		inputs = append(inputs, `"`+string(b)+`"`)
		data := make([]byte, rand.IntN(20))
		for i := range data {
			data[i] = byte(rand.IntN(256))
		}
		inputs = append(inputs, `"`+base64.StdEncoding.EncodeToString(data)+`"`)
	}
	agreed := 0
	for _, in := range inputs {
		raw := json.RawMessage(in)
		if !json.Valid(raw) {
			continue // the envelope refuses it before b64 runs
		}
		want, wantOK := slow(raw)
		got, err := b64(raw, "x")
		if (err == nil) != wantOK || wantOK && !bytes.Equal(got, want) {
			t.Fatalf("%q: got %x, %v; want %x, ok %v", in, got, err, want, wantOK)
		}
		if err != nil && CodeOf(err) != CodeInvalidParams {
			t.Fatalf("%q: code %d", in, CodeOf(err))
		}
		agreed++
	}
	if agreed < 20000 {
		t.Fatalf("only %d inputs compared", agreed)
	}
}
