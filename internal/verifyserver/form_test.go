package verifyserver

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"testing"
)

const testBoundary = "b0undary-x"

// mimeFormParts reads body with mime/multipart alone.
func mimeFormParts(body []byte, boundary string) ([]formPart, error) {
	var parts []formPart
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return parts, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		parts = append(parts, formPart{part.FormName(), data})
	}
}

// formBodies are bodies in the plain shape and around it.
func formBodies() [][]byte {
	var goForm bytes.Buffer
	mw := multipart.NewWriter(&goForm)
	mw.SetBoundary(testBoundary)
	w, _ := mw.CreateFormFile("signature", "sig.p7s")
	w.Write([]byte("\x30\x82\x01\x00 signature\r\n--b0undary-xy not a delimiter"))
	w, _ = mw.CreateFormFile("content", "doc.txt")
	w.Write([]byte("document\r\n"))
	mw.WriteField("at", "2024-01-02T03:04:05Z")
	mw.Close()
	const curl = "--b0undary-x\r\nContent-Disposition: form-data; name=\"signature\"; filename=\"a.sig\"\r\nContent-Type: application/octet-stream\r\n\r\nSIG\r\n" +
		"--b0undary-x\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\n\r\n--b0undary-x--\r\n"
	return [][]byte{
		goForm.Bytes(),
		[]byte(curl),
		[]byte("preamble\r\n" + curl),
		[]byte(curl + "epilogue"),
		bytes.ReplaceAll([]byte(curl), []byte("\r\n"), []byte("\n")),
		bytes.Replace([]byte(curl), []byte("SIG\r\n--b0undary-x\r\n"), []byte("SIG\r\n--b0undary-x  \r\n"), 1),
		bytes.Replace([]byte(curl), []byte("Content-Type"), []byte("Content-Transfer-Encoding: quoted-printable\r\nContent-Type"), 1),
		bytes.Replace([]byte(curl), []byte("form-data;"), []byte("attachment;"), 1),
		bytes.Replace([]byte(curl), []byte("Content-Type"), []byte("content-type"), 1),
		bytes.Replace([]byte(curl), []byte("\"content\""), []byte("\"содержимое\""), 1),
		bytes.Replace([]byte(curl), []byte("Content-Disposition: form-data; name=\"content\"\r\n"), nil, 1),
		[]byte("--b0undary-x--\r\n"),
		[]byte(""),
		[]byte("--b0undary-x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"),
		[]byte("--b0undary-x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--b0undary-x\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nB\r\n--b0undary-x--"),
		[]byte("--b0undary-x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n--b0undary-x-"),
	}
}

// TestFormPartsAsMultipart: where the parts are split in place, they are
// those mime/multipart reads; the shapes form encoders write (Go's
// multipart.Writer, curl -F) are split in place.
func TestFormPartsAsMultipart(t *testing.T) {
	for i, body := range formBodies() {
		checkFormParts(t, body)
		if _, ok := plainFormParts(body, testBoundary); ok != (i < 2) {
			t.Errorf("body %d split in place: %v\n%q", i, ok, body)
		}
	}
}

func checkFormParts(t *testing.T, body []byte) {
	t.Helper()
	want, wantErr := mimeFormParts(body, testBoundary)
	got, err := formParts(body, testBoundary)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, mime/multipart's %v", body, err, wantErr)
	}
	if err != nil && !errors.Is(err, ErrRequest) {
		t.Fatalf("%q: error %v does not wrap ErrRequest", body, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d parts, mime/multipart reads %d", body, len(got), len(want))
	}
	for i := range got {
		if got[i].name != want[i].name || !bytes.Equal(got[i].data, want[i].data) {
			t.Fatalf("%q: part %d is %q %q, mime/multipart reads %q %q", body, i, got[i].name, got[i].data, want[i].name, want[i].data)
		}
	}
}

// FuzzFormParts holds formParts to mime/multipart on any body.
func FuzzFormParts(f *testing.F) {
	for _, b := range formBodies() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFormParts(t, body)
	})
}
