package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// A request is decoded where it lies in the message that brought it: the
// envelope and params are read with json.Unmarshal, which works on its
// input without copying it and hands an Unmarshaler a slice of it, and
// the values worth keeping in place (params, a document's data) are
// jsonView, which keeps that slice. The message therefore stays alive,
// and unchanged except by b64, until its request is answered.
//
// json.Unmarshal has no DisallowUnknownFields: checkFields walks the
// input once more and refuses a member that no field of the target type
// takes, at any depth, as json.Decoder did.

// jsonView is a JSON value kept as a slice of the message it came from.
// It must only be decoded with json.Unmarshal on a buffer that outlives
// the view, never through a json.Decoder, whose buffer is reused.
type jsonView []byte

// UnmarshalJSON keeps b itself.
func (v *jsonView) UnmarshalJSON(b []byte) error {
	*v = b
	return nil
}

// MarshalJSON writes the value as it came.
func (v jsonView) MarshalJSON() ([]byte, error) {
	if len(v) == 0 {
		return []byte("null"), nil
	}
	return v, nil
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// checkFields reports the first object member in data, a valid JSON
// value, that decoding it into a value of type t would ignore. Values
// of the wrong kind are left to json.Unmarshal to refuse.
func checkFields(data []byte, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	i := skipSpace(data, 0)
	if i == len(data) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if data[i] != '{' {
			return nil
		}
		fields := fieldsOf(t)
		return members(data[i:], func(key, val []byte) error {
			name := unquoteKey(key)
			ft, ok := fields.find(name)
			if !ok {
				return fmt.Errorf("json: unknown field %q", name)
			}
			return checkFields(val, ft)
		})
	case reflect.Map:
		if data[i] != '{' {
			return nil
		}
		return members(data[i:], func(_, val []byte) error { return checkFields(val, t.Elem()) })
	case reflect.Slice, reflect.Array:
		if data[i] != '[' {
			return nil
		}
		return elements(data[i:], func(val []byte) error { return checkFields(val, t.Elem()) })
	}
	return nil
}

// structFields are the JSON names of a struct type's fields.
type structFields map[string]reflect.Type

var fieldCache sync.Map // reflect.Type -> structFields

func fieldsOf(t reflect.Type) structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(structFields)
	}
	f := structFields{}
	for _, sf := range reflect.VisibleFields(t) {
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct || !sf.IsExported() && !sf.Anonymous {
			continue
		}
		name := sf.Name
		if tag, ok := sf.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" && !strings.HasPrefix(tag, "-,") {
				continue
			}
			if n != "" {
				name = n
			}
		}
		f[name] = sf.Type
	}
	fieldCache.Store(t, f)
	return f
}

// find matches a member name as encoding/json does: exactly, else
// without regard to case.
func (f structFields) find(name string) (reflect.Type, bool) {
	if t, ok := f[name]; ok {
		return t, true
	}
	for n, t := range f {
		if strings.EqualFold(n, name) {
			return t, true
		}
	}
	return nil, false
}

// unquoteKey returns the text of a JSON string.
func unquoteKey(key []byte) string {
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key[1 : len(key)-1])
	}
	var s string
	json.Unmarshal(key, &s)
	return s
}

// members calls fn with each member of the JSON object obj, which must be
// valid JSON, in order: the key with its quotes and the value.
func members(obj []byte, fn func(key, val []byte) error) error {
	i := skipSpace(obj, 0) + 1 // past {
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			return nil
		}
		ke := stringEnd(obj, i)
		key := obj[i:ke]
		i = skipSpace(obj, ke) + 1 // past :
		i = skipSpace(obj, i)
		ve := valueEnd(obj, i)
		if err := fn(key, obj[i:ve]); err != nil {
			return err
		}
		i = skipSpace(obj, ve)
		if i < len(obj) && obj[i] == ',' {
			i++
		}
	}
}

// elements calls fn with each element of the JSON array arr, which must
// be valid JSON.
func elements(arr []byte, fn func(val []byte) error) error {
	i := skipSpace(arr, 0) + 1 // past [
	for {
		i = skipSpace(arr, i)
		if i >= len(arr) || arr[i] == ']' {
			return nil
		}
		ve := valueEnd(arr, i)
		if err := fn(arr[i:ve]); err != nil {
			return err
		}
		i = skipSpace(arr, ve)
		if i < len(arr) && arr[i] == ',' {
			i++
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// valueEnd returns the index just past the valid JSON value at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && !endsLiteral(b[j]) {
		j++
	}
	return j
}

func endsLiteral(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ']', '}':
		return true
	}
	return false
}

// stringEnd returns the index just past the JSON string that starts with
// the quote at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b)
		}
		q := j + k
		// The quote ends the string unless an odd number of
		// backslashes escapes it.
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		j = q + 1
	}
	return len(b)
}
