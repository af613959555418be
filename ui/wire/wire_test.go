package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/cert"
)

func signReq() *Request {
	return &Request{Kind: KindSign, Lang: "ru", Origin: "https://portal.example",
		Signing: &Signing{What: "document", Description: "Заявление", Count: 1,
			Files:       []File{{Name: "a.xml", Size: 18, Hash: "ab", HashAlg: "Streebog-256", Preview: "<a/>", PreviewType: "xml"}},
			Certificate: &Cert{Owner: "Иванов", NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}},
		PIN: &PINField{Token: "Rutoken", TriesLeft: 3}}
}

func TestRequestRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := WriteRequest(&b, signReq()); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRequest(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Signing.Files[0].Preview != "<a/>" || got.PIN.TriesLeft != 3 || !got.Signing.Certificate.NotAfter.Equal(signReq().Signing.Certificate.NotAfter) {
		t.Fatalf("round trip: %+v", got)
	}
}

func TestRequestRefused(t *testing.T) {
	for name, in := range map[string]string{
		"unknown member":  `{"kind":"notice","message":"x","extra":1}`,
		"unknown kind":    `{"kind":"format-disk"}`,
		"pair no code":    `{"kind":"pair","origin":"https://a"}`,
		"sign no signing": `{"kind":"sign","origin":"https://a"}`,
		"pin no field":    `{"kind":"pin","signing":{"what":"document"}}`,
		"bad what":        `{"kind":"sign","signing":{"what":"everything"}}`,
		"negative size":   `{"kind":"sign","signing":{"what":"document","files":[{"name":"a","size":-1}]}}`,
		"bad lang":        `{"kind":"notice","message":"x","lang":"de"}`,
		"trailing":        `{"kind":"notice","message":"x"} {}`,
		"two lines":       "{\"kind\":\"notice\",\n\"message\":\"x\"}",
		"not json":        `kind=notice`,
		"empty":           ``,
		"huge count":      `{"kind":"sign","signing":{"what":"batch","count":100000}}`,
	} {
		if _, err := ReadRequest(strings.NewReader(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	huge := `{"kind":"notice","message":"` + strings.Repeat("x", MaxRequest) + `"}`
	if _, err := ReadRequest(strings.NewReader(huge)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge: %v", err)
	}
	r := signReq()
	r.Signing.Files = make([]File, MaxFiles+1)
	if err := WriteRequest(io.Discard, r); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too many files: %v", err)
	}
}

func TestRequestLeavesTheRest(t *testing.T) {
	var b bytes.Buffer
	WriteRequest(&b, signReq())
	b.WriteString("rest")
	br := bufio.NewReader(&b)
	if _, err := ReadRequest(br); err != nil {
		t.Fatal(err)
	}
	if rest, _ := io.ReadAll(br); string(rest) != "rest" {
		t.Fatalf("after the request: %q", rest)
	}
}

func TestReplies(t *testing.T) {
	var b bytes.Buffer
	pin := []byte("12\n34")
	WriteReply(&b, Reply{Event: Shown}, nil)
	WriteReply(&b, Reply{Answer: Confirm}, pin)
	raw := b.String()
	if strings.Count(raw, "12\n34") != 1 || strings.Contains(strings.SplitN(raw, "\n", 3)[1], "12") {
		t.Fatalf("PIN not only as raw bytes after the line: %q", raw)
	}
	rr := NewReplyReader(&b)
	r, p, err := rr.Next()
	if err != nil || r.Event != Shown || p != nil {
		t.Fatalf("first: %+v %q %v", r, p, err)
	}
	r, p, err = rr.Next()
	if err != nil || r.Answer != Confirm || string(p) != "12\n34" {
		t.Fatalf("second: %+v %q %v", r, p, err)
	}
	if _, _, err := rr.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
}

func TestRepliesRefused(t *testing.T) {
	for name, in := range map[string]string{
		"both":            `{"event":"shown","answer":"refuse"}` + "\n",
		"neither":         `{}` + "\n",
		"unknown answer":  `{"answer":"maybe"}` + "\n",
		"pin on refusal":  `{"answer":"refuse","pinLength":2}` + "\n12",
		"pin cut short":   `{"answer":"confirm","pinLength":4}` + "\n12",
		"pin too long":    `{"answer":"confirm","pinLength":100000}` + "\n",
		"line cut short":  `{"answer":"conf`,
		"negative length": `{"answer":"confirm","pinLength":-1}` + "\n",
	} {
		if _, _, err := NewReplyReader(strings.NewReader(in)).Next(); !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v", name, err)
		}
	}
	long := strings.Repeat("x", maxReplyLine+1)
	if _, _, err := NewReplyReader(strings.NewReader(long)).Next(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("long line: %v", err)
	}
}

func TestFromCertificate(t *testing.T) {
	c := &cert.Certificate{Subject: cert.Name{CommonName: "Иванов Иван", Title: "Директор", Organization: "ООО Ромашка",
		INN: "770712345633", INNLE: "7707083893", OGRN: "1027700132195", SNILS: "11223344595"},
		NotAfter: time.Date(2027, 4, 15, 9, 0, 0, 0, time.UTC)}
	w := FromCertificate(c, "Rutoken")
	if w.Owner != "Иванов Иван" || w.INN != "770712345633" || w.INNLE != "7707083893" || w.OGRN != "1027700132195" ||
		w.Token != "Rutoken" || w.Position != "Директор" || !w.NotAfter.Equal(c.NotAfter) {
		t.Fatalf("%+v", w)
	}
	if FromCertificate(nil, "") != nil {
		t.Fatal("nil certificate")
	}
}

// Certificate fields come from a token and are cleaned before a window
// shows them: no escape sequences, bidirectional overrides or invisible
// characters, no runs of white space, no unbounded length.
func TestFromCertificateCleans(t *testing.T) {
	c := &cert.Certificate{Subject: cert.Name{CommonName: "\x1b[2J\x1b[1;1H== Zavera ==\x1b]0;https://bank.example\x07Иванов\u202e\u200b  Иван",
		Title: "Дир\u00adектор\n\n\n", Organization: "ООО \u009b31mРомашка" + strings.Repeat(" я", 500)}}
	w := FromCertificate(c, "Rutoken\x1b[5m")
	if w.Owner != "== Zavera ==Иванов Иван" || w.Position != "Директор" || w.Token != "Rutoken" ||
		!strings.HasPrefix(w.Organization, "ООО Ромашка я я") || len([]rune(w.Organization)) > 200 {
		t.Fatalf("%+v", w)
	}
}

func FuzzReadRequest(f *testing.F) {
	var b bytes.Buffer
	WriteRequest(&b, signReq())
	f.Add(b.Bytes())
	f.Add([]byte(`{"kind":"pair","origin":"https://a","pairingCode":"1"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ReadRequest(bytes.NewReader(in))
		if err == nil && r.Validate() != nil {
			t.Fatal("accepted an invalid request")
		}
	})
}
