package nativehost

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The envelope reader finds the same session, origin, close and message
// bytes as a full JSON decode, whatever the key order, spacing and
// escapes, and refuses what is not one object.
func TestParseEnvelope(t *testing.T) {
	chunk := `{"jsonrpc":"2.0","id":7,"method":"documentChunk","params":{"document":"d1","offset":0,"data":"` + strings.Repeat("QUJD", 1<<16) + `"}}`
	for _, frame := range []string{
		`{"session":"1:0:1","origin":"https://a.example","message":` + chunk + `}`,
		`{"message":` + chunk + `,"origin":"https://a.example","session":"1:0:1"}`,
		` { "session" : "1:0:1" , "origin" : "https://a.example" , "message" : { "a" : [ 1 , "}" , {"b":"\"]}"} ] , "c":"\\"} } `,
		`{"session":"1:0:1","origin":"https:\/\/a.example","message":{"s":"\\\\\"x\\\\","t":"\u0022{"}}`,
		`{"session":"2:0:1","close":true}`,
		`{"session":"2:0:1","close":false,"origin":"https://a.example","message":null}`,
		`{"session":"2:0:1","other":{"x":[1,2,{"y":"]"}]},"n":-1.5e3,"b":false,"origin":"https://b.example","message":[1,2]}`,
		`{}`,
	} {
		got, err := parseEnvelope([]byte(frame))
		if err != nil {
			t.Fatalf("%.80s: %v", frame, err)
		}
		var want inFrame
		if err := json.Unmarshal([]byte(frame), &want); err != nil {
			t.Fatal(err)
		}
		if got.Session != want.Session || got.Origin != want.Origin || got.Close != want.Close {
			t.Fatalf("%.80s: got %q %q %v, want %q %q %v", frame, got.Session, got.Origin, got.Close, want.Session, want.Origin, want.Close)
		}
		if string(want.Message) == "null" {
			want.Message = nil
		}
		if !bytes.Equal(got.Message, want.Message) {
			t.Fatalf("%.80s: message %.80s, want %.80s", frame, got.Message, want.Message)
		}
	}
	for _, bad := range []string{
		``, `[]`, `"x"`, `{"session":"1"`, `{"session":"1",}`, `{"session":1}`, `{"session":"1"}x`,
		`{"session":"1","message":{"a":"b"}`, `{"session":"1","message":"unclosed}`, `{"close":"yes"}`,
		`{"session":"1" "origin":"x"}`, `{session:"1"}`, `{"session":"1","message":}`,
	} {
		if f, err := parseEnvelope([]byte(bad)); err == nil {
			t.Fatalf("%q read as %+v", bad, f)
		}
	}
}
