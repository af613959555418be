package portal

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/login"
)

// The identifiers of the test people; the check digits are right.
const (
	testINNLE    = "7707083893"
	testOGRN     = "1027700132195"
	otherINNLE   = "0099001233"
	otherOGRN    = "1250000123450"
	leaderSNILS  = "11223344595"
	accountSNILS = "00065432191"
)

var (
	oidTitle = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidINN   = asn1.ObjectIdentifier{1, 2, 643, 3, 131, 1, 1}
	oidINNLE = asn1.ObjectIdentifier{1, 2, 643, 100, 4}
	oidOGRN  = asn1.ObjectIdentifier{1, 2, 643, 100, 1}
	oidSNILS = asn1.ObjectIdentifier{1, 2, 643, 100, 3}
)

// testCA is a CA with an ECDSA key that issues the test people's
// certificates.
type testCA struct {
	key  *ecdsa.PrivateKey
	tmpl *x509.Certificate
	cert *cert.Certificate
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name, Country: []string{"RU"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cert.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.Raw = der
	return &testCA{key: k, tmpl: tmpl, cert: c}
}

func (ca *testCA) roots() []*cert.Certificate { return []*cert.Certificate{ca.cert} }

// holder is a test person with a key and a certificate.
type holder struct {
	key  *ecdsa.PrivateKey
	cert *cert.Certificate
}

func (ca *testCA) issue(t *testing.T, serial int64, cn, title, innle, ogrn, snils string) *holder {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	subj := pkix.Name{CommonName: cn, Organization: []string{"ООО Тест"}}
	add := func(oid asn1.ObjectIdentifier, v string) {
		if v != "" {
			subj.ExtraNames = append(subj.ExtraNames, pkix.AttributeTypeAndValue{Type: oid, Value: v})
		}
	}
	add(oidTitle, title)
	add(oidINNLE, innle)
	add(oidOGRN, ogrn)
	add(oidSNILS, snils)
	add(oidINN, "500100732259")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: subj,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(12 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.tmpl, k.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cert.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	return &holder{key: k, cert: c}
}

// sign makes a detached CAdES-BES signature over content.
func (h *holder) sign(t *testing.T, content []byte) []byte {
	t.Helper()
	sig, err := cms.Sign(bytes.NewReader(content), cms.Signer{Key: h.key, Certificate: h.cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// signLogin makes a login signature over content, as the agent's
// signChallenge does.
func (h *holder) signLogin(t *testing.T, content []byte) []byte {
	t.Helper()
	sig, err := cms.Sign(bytes.NewReader(content), cms.Signer{Key: h.key, Certificate: h.cert}, &cms.Options{ContentType: login.ContentType})
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// site is a portal under test with a browser-like client.
type site struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	client *http.Client
	origin string
}

func newSite(t *testing.T, ca *testCA) *site {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	origin := "http://" + ts.Listener.Addr().String()
	s, err := New(Options{Origins: []string{origin}, Roots: []*cert.Certificate{ca.cert}})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = s
	ts.Start()
	t.Cleanup(func() { ts.Close(); s.Close() })
	return &site{t: t, srv: s, ts: ts, client: newClient(t), origin: origin}
}

func newClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// do sends a request from the portal's own page and decodes the JSON answer.
func (s *site) do(c *http.Client, method, path, contentType string, body io.Reader, out any) int {
	s.t.Helper()
	req, err := http.NewRequest(method, s.ts.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Origin", s.origin)
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			s.t.Fatalf("%s %s: %d, %v", method, path, resp.StatusCode, err)
		}
	}
	return resp.StatusCode
}

func (s *site) postJSON(c *http.Client, path string, v, out any) int {
	s.t.Helper()
	b, _ := json.Marshal(v)
	return s.do(c, http.MethodPost, path, "application/json", bytes.NewReader(b), out)
}

// login logs h in on client c and fails the test when refused.
func (s *site) login(c *http.Client, h *holder) {
	s.t.Helper()
	if code, msg := s.tryLogin(c, h, s.origin); code != http.StatusOK {
		s.t.Fatalf("login: %d %s", code, msg)
	}
}

func (s *site) tryLogin(c *http.Client, h *holder, origin string) (int, string) {
	s.t.Helper()
	var ch struct{ Nonce string }
	if code := s.postJSON(c, "/api/login/challenge", map[string]any{}, &ch); code != http.StatusOK {
		s.t.Fatalf("challenge: %d", code)
	}
	nonce, _ := base64.StdEncoding.DecodeString(ch.Nonce)
	content := "zavera-login-v1\norigin=" + origin + "\nnonce=" + base64.RawURLEncoding.EncodeToString(nonce) + "\n"
	var out struct{ Error string }
	code := s.postJSON(c, "/api/login", map[string]any{"nonce": ch.Nonce, "origin": s.origin, "signature": h.signLogin(s.t, []byte(content))}, &out)
	return code, out.Error
}

type file struct {
	name string
	data []byte
}

func multipartBody(t *testing.T, fields map[string]string, field string, files []file) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(f.data)
	}
	w.Close()
	return w.FormDataContentType(), &b
}

func goodForm() map[string]string {
	return map[string]string{
		"fullName": `ООО "Тест"`, "inn": testINNLE, "ogrn": testOGRN, "kpp": "773601001",
		"address": "117997, г. Москва, ул. Вавилова, д. 19", "email": "office@test.example", "phone": "+7 495 500-55-50",
	}
}

func pdfFile(name string, size int) file {
	data := []byte("%PDF-1.4\n" + strings.Repeat(" ", max(0, size-9)))
	return file{name: name, data: data[:max(size, 9)]}
}
