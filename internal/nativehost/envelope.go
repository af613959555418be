package nativehost

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The envelope of a frame from the extension, {"session","origin",
// "message","close"}, is read without decoding the message: the host
// only finds where the message's JSON value starts and ends and relays
// those bytes as they are. A document's chunk is a message of over a
// megabyte of base64 text, and a full JSON decode of it in the host cost
// as much CPU time as the agent's own parsing of it; the agent parses
// (and refuses) the message in any case.
//
// The browser writes the frames (JSON.stringify of the extension's
// object), so they are valid JSON; what is checked here is only what the
// host itself relies on: one object at the top, its keys, the session
// and origin as JSON strings, close as a boolean, nothing after the
// object.

// parseEnvelope reads a frame from the extension.
func parseEnvelope(b []byte) (inFrame, error) {
	var f inFrame
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return f, fmt.Errorf("%w: not an object", ErrFrame)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				return f, fmt.Errorf("%w: a key expected at %d", ErrFrame, i)
			}
			end, err := skipString(b, i)
			if err != nil {
				return f, err
			}
			key := b[i:end]
			i = skipSpace(b, end)
			if i >= len(b) || b[i] != ':' {
				return f, fmt.Errorf("%w: ':' expected at %d", ErrFrame, i)
			}
			i = skipSpace(b, i+1)
			vend, err := skipValue(b, i)
			if err != nil {
				return f, err
			}
			val := b[i:vend]
			switch string(key) {
			case `"session"`:
				err = json.Unmarshal(val, &f.Session)
			case `"origin"`:
				err = json.Unmarshal(val, &f.Origin)
			case `"close"`:
				err = json.Unmarshal(val, &f.Close)
			case `"message"`:
				if string(val) != "null" {
					f.Message = val
				}
			}
			if err != nil {
				return f, fmt.Errorf("%w: %s: %w", ErrFrame, key, err)
			}
			i = skipSpace(b, vend)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return f, fmt.Errorf("%w: ',' or '}' expected at %d", ErrFrame, i)
		}
	}
	if skipSpace(b, i) != len(b) {
		return f, fmt.Errorf("%w: data after the object", ErrFrame)
	}
	return f, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the JSON string that starts at
// b[i] (a quote). It jumps from quote to quote: a quote ends the string
// unless an odd number of backslashes precede it.
func skipString(b []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, fmt.Errorf("%w: a string not closed", ErrFrame)
		}
		j += k
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		j++
		if n%2 == 0 {
			return j, nil
		}
	}
}

// skipValue returns the index just past the JSON value that starts at
// b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, fmt.Errorf("%w: a value expected", ErrFrame)
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
			j++
		}
		return 0, fmt.Errorf("%w: an object not closed", ErrFrame)
	default:
		j := i
		for j < len(b) && bytes.IndexByte([]byte(",}] \t\r\n"), b[j]) < 0 {
			j++
		}
		if j == i {
			return 0, fmt.Errorf("%w: a value expected at %d", ErrFrame, i)
		}
		return j, nil
	}
}
