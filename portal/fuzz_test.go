package portal

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// fuzzServer is a portal whose handler is called directly, with a session
// already open so that the fuzzed bodies reach the parsers.
func fuzzServer(f *testing.F) (*Server, *http.Cookie) {
	t := &testing.T{}
	ca := newCA(t, "Fuzz CA")
	s, err := New(Options{Origins: []string{"http://portal.fuzz"}, Roots: ca.roots()})
	if err != nil {
		f.Fatal(err)
	}
	rec := httptest.NewRecorder()
	ss := s.newSession(rec, httptest.NewRequest(http.MethodGet, "/", nil), Person{Name: "Fuzz", SNILS: leaderSNILS, INNLE: testINNLE, OGRN: testOGRN})
	return s, &http.Cookie{Name: sessionCookie, Value: ss.id}
}

// Whatever a page sends, the portal answers with a status code and never
// panics; nothing but a well-formed request is accepted.
func FuzzAPIBodies(f *testing.F) {
	s, cookie := fuzzServer(f)
	ct, body := multipartBody(&testing.T{}, goodForm(), "documents", []file{pdfFile("a.pdf", 20)})
	f.Add("/api/registrations", ct, body.Bytes())
	f.Add("/api/filings", ct, body.Bytes())
	f.Add("/api/login", "application/json", []byte(`{"nonce":"AAAA","origin":"http://portal.fuzz","signature":"MIIB"}`))
	f.Add("/api/registrations/R-000001/signature", "application/json", []byte(`{"signature":"MA=="}`))
	f.Add("/api/filings/F-000001/signatures", "application/json", []byte(`{"signatures":[{"index":0,"signature":"MA=="},{"index":-1}]}`))
	f.Add("/api/registrations", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"documents\"; filename=\"../a.pdf\"\r\n\r\n%PDF-\r\n--x--\r\n"))
	f.Fuzz(func(t *testing.T, path, contentType string, data []byte) {
		if len(path) == 0 || path[0] != '/' {
			return
		}
		req, err := http.NewRequest(http.MethodPost, "http://portal.fuzz"+path, bytes.NewReader(data))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Origin", "http://portal.fuzz")
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		s.Close()
		if rec.Code >= 500 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
	})
}
