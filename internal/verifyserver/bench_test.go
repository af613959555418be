package verifyserver

import (
	"bytes"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/zavera/zavera/cms"
)

// BenchmarkVerifyRequest posts CryptoARM's detached CAdES-BES with its
// document to a server on loopback, one request after another, with the
// access log written as JSON lines.
func BenchmarkVerifyRequest(b *testing.B) {
	sig, err := cms.Decode(readFile(b, realworld(b, "cms_gost2012-256_detached_cryptoarm_sign2012-256_det.txt.sig.pem")))
	if err != nil {
		b.Fatal(err)
	}
	doc := readFile(b, realworld(b, "content_cryptoarm_test_crlf.txt"))
	s := New(Config{Anchors: []string{realworld(b, cryptoproRoot)}, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err := s.Reload(); err != nil {
		b.Fatal(err)
	}
	url, _ := start(b, s)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("signature", "sig")
	w.Write(sig)
	w, _ = mw.CreateFormFile("content", "doc")
	w.Write(doc)
	mw.Close()
	client := &http.Client{}
	for b.Loop() {
		resp, err := client.Post(url+"/v1/verify", mw.FormDataContentType(), bytes.NewReader(body.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Zavera-Indication") != "PASSED" {
			b.Fatalf("%s %q", resp.Status, resp.Header.Get("Zavera-Indication"))
		}
	}
}
