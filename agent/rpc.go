package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// ProtocolVersion is the version of the protocol in docs/protocol.md that
// this agent speaks. hello negotiates it.
const ProtocolVersion = 1

// request is a JSON-RPC 2.0 request as read from the wire.
type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	// Params is a slice of the message, which the request keeps alive.
	Params jsonView `json:"params"`
}

var requestType = reflect.TypeFor[request]()

// response is a JSON-RPC 2.0 response.
type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *errorObject    `json:"error,omitempty"`
}

// notification is a JSON-RPC 2.0 notification from the agent.
type notification struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// errorObject is the error member of a response.
type errorObject struct {
	Code    Code      `json:"code"`
	Message string    `json:"message"`
	Data    errorData `json:"data"`
}

// errorData carries the stable reason and, for a wrong PIN, the tries left.
type errorData struct {
	Reason    string `json:"reason"`
	TriesLeft *int   `json:"triesLeft,omitempty"`
	// Upload names what was wrong with an upload request (upload.go).
	Upload string `json:"upload,omitempty"`
}

// newErrorObject maps err to what the page sees: code, fixed message and
// reason, never the internal detail.
func newErrorObject(err error) *errorObject {
	code := CodeOf(err)
	e := &errorObject{Code: code, Message: code.message(), Data: errorData{Reason: code.Reason()}}
	if pe, ok := asPINError(err); ok && pe.TriesLeft >= 0 {
		n := pe.TriesLeft
		e.Data.TriesLeft = &n
	}
	var ue *uploadError
	if errors.As(err, &ue) {
		e.Data.Upload = ue.kind
	}
	return e
}

// maxIDLen bounds request ids.
const maxIDLen = 128

// parseRequest checks the envelope of one message. On error it returns the
// id when one could be read (else null) and an *rpcError.
func parseRequest(msg []byte) (*request, json.RawMessage, error) {
	null := json.RawMessage("null")
	notJSON := &rpcError{CodeParseError, "message is not valid JSON"}
	trimmed := bytes.TrimLeft(msg, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if len(trimmed) == 0 || !json.Valid(msg) {
			return nil, null, notJSON
		}
		return nil, null, &rpcError{CodeInvalidRequest, "message is not a JSON object (batches are not supported)"}
	}
	// json.Unmarshal checks the whole message before it decodes any of
	// it, and decodes without copying it: params stay in the message.
	var r request
	if err := json.Unmarshal(trimmed, &r); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, null, notJSON
		}
		return nil, null, &rpcError{CodeInvalidRequest, err.Error()}
	}
	if err := checkFields(trimmed, requestType); err != nil {
		return nil, null, &rpcError{CodeInvalidRequest, err.Error()}
	}
	id := r.ID
	if len(id) == 0 || !validID(id) {
		return nil, null, &rpcError{CodeInvalidRequest, "id must be a string or a number (notifications are not accepted)"}
	}
	if r.JSONRPC != "2.0" {
		return nil, id, &rpcError{CodeInvalidRequest, `jsonrpc must be "2.0"`}
	}
	if r.Method == "" {
		return nil, id, &rpcError{CodeInvalidRequest, "no method"}
	}
	if len(r.Params) > 0 {
		p := bytes.TrimLeft(r.Params, " \t\r\n")
		if p[0] != '{' && !bytes.Equal(p, []byte("null")) {
			return nil, id, &rpcError{CodeInvalidParams, "params must be an object"}
		}
	}
	return &r, id, nil
}

// validID accepts a JSON string or number of bounded length.
func validID(id json.RawMessage) bool {
	if len(id) > maxIDLen {
		return false
	}
	switch id[0] {
	case '"':
		var s string
		return json.Unmarshal(id, &s) == nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		return json.Unmarshal(id, &n) == nil
	}
	return false
}

// decodeParams reads params into v strictly: unknown members and wrong
// types are errors. Absent or null params decode as the zero value. The
// jsonView fields of v are left pointing into params.
func decodeParams(params []byte, v any) error {
	params = bytes.TrimSpace(params)
	if len(params) == 0 || bytes.Equal(params, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(params, v); err != nil {
		return badParams("%v", err)
	}
	if err := checkFields(params, reflect.TypeOf(v)); err != nil {
		return badParams("%v", err)
	}
	return nil
}

// idKey is a request id as a map key.
func idKey(id json.RawMessage) string { return string(id) }

func (e errorObject) String() string { return fmt.Sprintf("%d %s", e.Code, e.Data.Reason) }
