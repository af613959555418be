package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func progressReq() *Request {
	return &Request{Kind: KindProgress, Origin: "https://nalog.example",
		Signing: &Signing{What: "batch", Count: 2, Files: []File{{Name: "a.xml", Size: 1}, {Name: "b.xml", Size: 2}}}}
}

func TestProgressRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := WriteRequest(&b, progressReq()); err != nil {
		t.Fatal(err)
	}
	sent := []Update{{Done: 1}, {Done: 2, Failed: 1}, {Done: 2, Failed: 1, Finished: true}}
	for _, u := range sent {
		if err := WriteUpdate(&b, u); err != nil {
			t.Fatal(err)
		}
	}
	br := bufio.NewReader(&b)
	req, err := ReadRequest(br)
	if err != nil || req.Kind != KindProgress || len(req.Signing.Files) != 2 {
		t.Fatalf("request: %+v %v", req, err)
	}
	for i, want := range sent {
		got, err := ReadUpdate(br)
		if err != nil || got != want {
			t.Fatalf("update %d: %+v %v, want %+v", i, got, err, want)
		}
	}
	if _, err := ReadUpdate(br); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
}

func TestProgressRequestRefused(t *testing.T) {
	for name, in := range map[string]string{
		"no signing":   `{"kind":"progress","origin":"https://a"}`,
		"not a batch":  `{"kind":"progress","signing":{"what":"document"}}`,
		"with PIN":     `{"kind":"progress","signing":{"what":"batch"},"pin":{"triesLeft":3}}`,
		"huge count":   `{"kind":"progress","signing":{"what":"batch","count":1000000}}`,
		"bad file":     `{"kind":"progress","signing":{"what":"batch","files":[{"name":"a","size":-5}]}}`,
		"unknown item": `{"kind":"progress","signing":{"what":"batch"},"done":3}`,
	} {
		if _, err := ReadRequest(strings.NewReader(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestUpdatesRefused(t *testing.T) {
	for name, in := range map[string]string{
		"negative done":   `{"done":-1}` + "\n",
		"negative failed": `{"done":1,"failed":-1}` + "\n",
		"more failed":     `{"done":1,"failed":2}` + "\n",
		"over the limit":  `{"done":1001}` + "\n",
		"unknown member":  `{"done":1,"pin":"1234"}` + "\n",
		"not json":        "done=1\n",
		"two objects":     `{"done":1} {"done":2}` + "\n",
		"cut short":       `{"done":1`,
		"string done":     `{"done":"1"}` + "\n",
		"huge number":     `{"done":1e400}` + "\n",
	} {
		if _, err := ReadUpdate(bufio.NewReader(strings.NewReader(in))); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	long := `{"done":1,"x":"` + strings.Repeat("x", 10*MaxUpdate) + "\"}\n"
	// A small reader buffer makes the line arrive in pieces.
	if _, err := ReadUpdate(bufio.NewReaderSize(strings.NewReader(long), 16)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("long line: %v", err)
	}
	if err := WriteUpdate(io.Discard, Update{Done: 1, Failed: 3}); !errors.Is(err, ErrMalformed) {
		t.Errorf("writing a bad update: %v", err)
	}
	if _, _, err := NewReplyReader(strings.NewReader(`{"answer":"cancel","pinLength":4}` + "\n1234")).Next(); !errors.Is(err, ErrMalformed) {
		t.Errorf("PIN on a cancel: %v", err)
	}
	r, _, err := NewReplyReader(strings.NewReader(`{"answer":"cancel"}` + "\n")).Next()
	if err != nil || r.Answer != Cancel {
		t.Errorf("cancel: %+v %v", r, err)
	}
}

func FuzzReadUpdate(f *testing.F) {
	f.Add([]byte(`{"done":3,"failed":1,"finished":true}` + "\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		u, err := ReadUpdate(bufio.NewReader(bytes.NewReader(in)))
		if err == nil && (u.Done < 0 || u.Failed < 0 || u.Failed > u.Done || u.Done > MaxFiles) {
			t.Fatalf("accepted %+v", u)
		}
	})
}
