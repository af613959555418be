package portal

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

type founding struct {
	name string
	data []byte
	sig  []byte
}

// orgBody writes the form, then each document's signature and the
// document, as the «Создание организации» page sends them.
func orgBody(t *testing.T, fields map[string]string, docs []founding) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, d := range docs {
		w.WriteField("signature", base64.StdEncoding.EncodeToString(d.sig))
		fw, err := w.CreateFormFile("document", d.name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(d.data)
	}
	w.Close()
	return w.FormDataContentType(), &b
}

type orgAnswer struct {
	Error     string
	Accepted  bool
	Documents []foundingResult
}

func TestOrgCreate(t *testing.T) {
	p := newPeople(t)
	s := newSite(t, p.ca)
	c := newClient(t)
	post := func(fields map[string]string, docs ...founding) (int, orgAnswer) {
		var out orgAnswer
		ct, body := orgBody(t, fields, docs)
		code := s.do(c, http.MethodPost, "/api/org/create", ct, body, &out)
		return code, out
	}
	charter := pdfFile("устав.pdf", 300<<10).data
	decision := pdfFile("решение.pdf", 2000).data

	// Not logged in: refused before anything is read.
	if code, _ := post(goodForm(), founding{"устав.pdf", charter, p.leader.sign(t, charter)}); code != http.StatusUnauthorized {
		t.Fatalf("not logged in: %d", code)
	}
	s.login(c, p.leader)

	code, out := post(goodForm(),
		founding{"устав.pdf", charter, p.leader.sign(t, charter)},
		founding{"решение.pdf", decision, p.leader.sign(t, decision)})
	if code != http.StatusOK || !out.Accepted || len(out.Documents) != 2 {
		t.Fatalf("good request: %d %+v", code, out)
	}
	if out.Documents[0].Size != int64(len(charter)) || out.Documents[0].Signer == nil || out.Documents[0].Signer.SNILS != leaderSNILS {
		t.Fatalf("result: %+v", out.Documents[0])
	}

	// Each document's signature is checked against that document; the
	// certificate's INNLE and OGRN against the form's.
	code, out = post(goodForm(),
		founding{"устав.pdf", charter, p.leader.sign(t, decision)},
		founding{"решение.pdf", decision, p.otherLeader.sign(t, decision)})
	if code != http.StatusOK || out.Accepted || out.Documents[0].Accepted || out.Documents[1].Accepted {
		t.Fatalf("bad signatures accepted: %d %+v", code, out)
	}
	if !strings.Contains(out.Documents[0].Reason, "другим документом") || !strings.Contains(out.Documents[1].Reason, "ИНН и ОГРН") {
		t.Fatalf("reasons: %q, %q", out.Documents[0].Reason, out.Documents[1].Reason)
	}
	code, out = post(goodForm(), founding{"устав.pdf", charter, p.foreign.sign(t, charter)})
	if code != http.StatusOK || out.Accepted {
		t.Fatalf("another CA's signature: %d %+v", code, out)
	}

	// Malformed requests: a non-PDF, a bad form, a document without its
	// signature first.
	notPDF := []byte("MZ\x90\x00 not a pdf")
	if code, _ := post(goodForm(), founding{"устав.pdf", notPDF, p.leader.sign(t, notPDF)}); code != http.StatusBadRequest {
		t.Fatalf("not a PDF: %d", code)
	}
	bad := goodForm()
	bad["inn"] = "1234567890"
	if code, _ := post(bad, founding{"устав.pdf", charter, p.leader.sign(t, charter)}); code != http.StatusBadRequest {
		t.Fatalf("bad INN: %d", code)
	}
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range goodForm() {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("document", "устав.pdf")
	fw.Write(charter)
	w.Close()
	if code := s.do(c, http.MethodPost, "/api/org/create", w.FormDataContentType(), &b, nil); code != http.StatusBadRequest {
		t.Fatalf("a document without a signature: %d", code)
	}
}

// A founding document over 100 MiB is refused while it streams in.
func TestOrgCreateTooLarge(t *testing.T) {
	p := newPeople(t)
	s := newSite(t, p.ca)
	c := newClient(t)
	s.login(c, p.leader)
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		for k, v := range goodForm() {
			w.WriteField(k, v)
		}
		w.WriteField("signature", base64.StdEncoding.EncodeToString(p.leader.sign(t, []byte("%PDF-x"))))
		fw, _ := w.CreateFormFile("document", "устав.pdf")
		fw.Write([]byte("%PDF-1.7\n"))
		block := bytes.Repeat([]byte(" "), 1<<20)
		for i := 0; i <= MaxFoundingDocument>>20; i++ {
			if _, err := fw.Write(block); err != nil {
				break
			}
		}
		w.Close()
		pw.Close()
	}()
	var out orgAnswer
	code := s.do(c, http.MethodPost, "/api/org/create", w.FormDataContentType(), pr, &out)
	pr.Close()
	if code != http.StatusBadRequest || !strings.Contains(out.Error, "100 МБ") {
		t.Fatalf("over 100 MiB: %d %q", code, out.Error)
	}
}
