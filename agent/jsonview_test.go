package agent

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

// within reports whether sub lies inside buf's memory.
func within(sub, buf []byte) bool {
	if len(sub) == 0 || len(buf) == 0 {
		return false
	}
	s, b := uintptr(unsafe.Pointer(unsafe.SliceData(sub))), uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	return s >= b && s+uintptr(len(sub)) <= b+uintptr(len(buf))
}

// A document goes from the message to the signer without a copy: params,
// the document's data and its decoded bytes are all slices of the
// message.
func TestRequestDecodedInPlace(t *testing.T) {
	doc := bytes.Repeat([]byte("a document to sign "), 5000)
	msg := []byte(`{"jsonrpc":"2.0","id":7,"method":"sign","params":{"certificate":"c","description":"d","data":"` +
		base64.StdEncoding.EncodeToString(doc) + `"}}`)
	req, _, err := parseRequest(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !within(req.Params, msg) {
		t.Fatal("params were copied out of the message")
	}
	var p signParams
	if err := decodeParams(req.Params, &p); err != nil {
		t.Fatal(err)
	}
	if !within(p.Data, msg) {
		t.Fatal("the document's data was copied out of the message")
	}
	data, err := b64(p.Data, "data")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, doc) {
		t.Fatal("decoded data differ")
	}
	if !within(data, msg) {
		t.Fatal("the document was decoded into a new buffer")
	}
	// The same for the documents of a batch.
	msg = []byte(`{"jsonrpc":"2.0","id":8,"method":"signBatch","params":{"certificate":"c","documents":[{"hash":"AAAA"},{"data":"` +
		base64.StdEncoding.EncodeToString(doc) + `"}]}}`)
	req, _, err = parseRequest(msg)
	if err != nil {
		t.Fatal(err)
	}
	var bp batchParams
	if err := decodeParams(req.Params, &bp); err != nil {
		t.Fatal(err)
	}
	if len(bp.Documents) != 2 || !within(bp.Documents[1].Data, msg) || !within(bp.Documents[0].Hash, msg) {
		t.Fatal("a batch's documents were copied out of the message")
	}
}

// decodeParams, built on json.Unmarshal and checkFields, accepts and
// refuses exactly what json.Decoder with DisallowUnknownFields does, and
// decodes the same values.
func TestDecodeParamsMatchesStrictDecoder(t *testing.T) {
	strict := func(data []byte, v any) error {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	}
	seeds := []string{
		`{"certificate":"x","data":"eA==","description":"d","files":[{"name":"a","size":1}]}`,
		`{"certificate":"x","documents":[{"hash":"AAAA","name":"n"},{"data":"eA==","attached":true}]}`,
		`{"filter":{"innle":"7707083893","keyUsage":["nonRepudiation"]}}`,
		`{"protocols":[1],"client":"c"}`,
		`{"id":"r1"}`,
		`{"certificate":"x","nonce":"AAAAAAAAAAAAAAAAAAAAAA==","description":"d"}`,
		`{"Certificate":"x","DATA":"eA=="}`,
		`{"certificate":"x","documents":[{"hash":"AAAA","extra":1}]}`,
		`{"certificate":"x","files":[{"name":"a","bogus":true}]}`,
		`{"filter":{"keyUsage":["a"],"nope":{}}}`,
		`{"ce\u0072tificate":"x"}`,
		`{"document":{}}`,
		`{"certificate":"x","data":"eA==","data":"eB=="}`,
		`{}`, `{"a":[1,{"b":"}"}],"c":"\"}"}`,
	}
	targets := []func() any{
		func() any { return &helloParams{} }, func() any { return &cancelParams{} },
		func() any { return &certificatesParams{} }, func() any { return &signParams{} },
		func() any { return &batchParams{} }, func() any { return &challengeParams{} },
		func() any { return &struct{}{} },
	}
	inputs := append([]string(nil), seeds...)
	keys := []string{`"certificate"`, `"data"`, `"hash"`, `"x"`, `"files"`, `"name"`, `"documents"`, `"filter"`, `"keyUsage"`, `"id"`, `"protocols"`, `"Nonce"`}
	vals := []string{`1`, `"eA=="`, `[]`, `[{}]`, `{}`, `null`, `true`, `[{"name":"a"}]`, `[{"hash":"AA","zz":1}]`, `{"inn":"1"}`, `"a\"b"`}
	for range 20000 {
		var b strings.Builder
		b.WriteString("{")
		for i := range rand.IntN(4) {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(keys[rand.IntN(len(keys))] + ":" + vals[rand.IntN(len(vals))])
		}
		b.WriteString("}")
		inputs = append(inputs, b.String())
	}
	for _, in := range inputs {
		if !json.Valid([]byte(in)) {
			t.Fatalf("bad test input %s", in)
		}
		for _, mk := range targets {
			want, got := mk(), mk()
			wantErr := strict([]byte(in), want)
			gotErr := decodeParams([]byte(in), got)
			if (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("%s into %T: decoder %v, decodeParams %v", in, want, wantErr, gotErr)
			}
			if wantErr == nil {
				w, _ := json.Marshal(want)
				g, _ := json.Marshal(got)
				if !bytes.Equal(w, g) {
					t.Fatalf("%s into %T: decoder %s, decodeParams %s", in, want, w, g)
				}
			}
		}
	}
}
