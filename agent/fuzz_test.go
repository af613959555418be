package agent

import (
	"encoding/json"
	"testing"
)

// FuzzParseRequest feeds hostile messages to the envelope parser and to
// every method's parameter decoding: never a panic, always a code a page
// may see.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"sign","params":{"certificate":"x","data":"eA=="}}`,
		`{"jsonrpc":"2.0","id":"a","method":"signBatch","params":{"documents":[{"hash":"AAAA"}]}}`,
		`{"jsonrpc":"2.0","id":1,"method":"certificates","params":{"filter":{"innle":"7707083893","keyUsage":["nonRepudiation"]}}}`,
		`{"jsonrpc":"2.0","id":1e400,"method":"hello","params":{"protocols":[1]}}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"jsonrpc":"2.0","id":1,"method":"cancel","params":{"id":{"x":1}}}`,
		"{\"jsonrpc\":\"2.0\",\"id\":\"\\u0000\",\"method\":\"info\"}",
		`{"jsonrpc":"2.0","id":1,"method":"signChallenge","params":{"nonce":null}}`,
		`{"jsonrpc":"2.0","id":1,"method":"info"} x`,
		`{"jsonrpc":"2.0","id":1,"method":"info"} {}`,
		`{"jsonrpc":"2.0","id":1,"method":"info","x":1} x`,
		`{"jsonrpc":"2.0","id":1,"method":"info","params":"x"`,
		` {"jsonrpc":2}`,
		`[1,`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		req, id, err := parseRequest(msg)
		if !json.Valid(id) {
			t.Fatalf("id %q is not JSON", id)
		}
		// A parse error means exactly that the message is not JSON.
		if parseErr := err != nil && CodeOf(err) == CodeParseError; parseErr == json.Valid(msg) {
			t.Fatalf("valid JSON %v, parse error %v (%v)", json.Valid(msg), parseErr, err)
		}
		if err != nil {
			if c := CodeOf(err); c != CodeParseError && c != CodeInvalidRequest && c != CodeInvalidParams {
				t.Fatalf("envelope error with code %d", c)
			}
			return
		}
		targets := []any{&helloParams{}, &cancelParams{}, &certificatesParams{}, &signParams{}, &batchParams{}, &challengeParams{}}
		for _, v := range targets {
			if err := decodeParams(req.Params, v); err != nil && CodeOf(err) != CodeInvalidParams {
				t.Fatalf("params error with code %d", CodeOf(err))
			}
		}
		var sp signParams
		if decodeParams(req.Params, &sp) == nil {
			cleanText(sp.Description, maxDescription)
			cleanFiles(sp.Files)
		}
		var cp certificatesParams
		if decodeParams(req.Params, &cp) == nil {
			cp.Filter.compile()
		}
	})
}
