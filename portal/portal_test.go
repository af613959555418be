package portal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/zavera/zavera/cert"
)

type regView struct {
	ID        string
	Status    string
	Reason    string
	Statement string
	History   []struct{ Status string }
	Form      OrgForm
}

type people struct {
	ca                           *testCA
	leader, accountant, stranger *holder
	otherLeader, foreign         *holder
}

func newPeople(t *testing.T) *people {
	ca := newCA(t, "Test CA")
	other := newCA(t, "Other CA")
	return &people{
		ca:          ca,
		leader:      ca.issue(t, 2, "Иванов Иван Иванович", "Генеральный директор", testINNLE, testOGRN, leaderSNILS),
		accountant:  ca.issue(t, 3, "Петрова Анна", "Главный бухгалтер", testINNLE, testOGRN, accountSNILS),
		otherLeader: ca.issue(t, 4, "Сидоров Пётр", "Директор", otherINNLE, otherOGRN, leaderSNILS),
		stranger:    ca.issue(t, 5, "Без СНИЛС", "Генеральный директор", testINNLE, testOGRN, ""),
		foreign:     other.issue(t, 6, "Иванов Иван Иванович", "Генеральный директор", testINNLE, testOGRN, leaderSNILS),
	}
}

func TestLoginByCertificate(t *testing.T) {
	p := newPeople(t)
	s := newSite(t, p.ca)
	c := newClient(t)
	if code := s.do(c, http.MethodGet, "/api/me", "", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("before login: %d", code)
	}
	s.login(c, p.leader)
	var me struct {
		Person        Person
		Organizations []Organization
	}
	if code := s.do(c, http.MethodGet, "/api/me", "", nil, &me); code != http.StatusOK {
		t.Fatalf("me: %d", code)
	}
	if me.Person.SNILS != leaderSNILS || me.Person.INN != "500100732259" || me.Person.Name != "Иванов Иван Иванович" {
		t.Fatalf("person %+v", me.Person)
	}
	if len(me.Organizations) != 1 || me.Organizations[0].INN != testINNLE || me.Organizations[0].Role != "Руководитель" {
		t.Fatalf("organisations %+v", me.Organizations)
	}

	refused := []struct {
		name   string
		who    *holder
		origin string
		want   string
	}{
		{"a challenge signed for another site", p.leader, "https://evil.example", "другим документом"},
		{"a CA the portal does not trust", p.foreign, s.origin, "удостоверяющим центром"},
		{"a certificate naming no person", p.stranger, s.origin, "нет СНИЛС"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := s.tryLogin(newClient(t), tc.who, tc.origin)
			if code != http.StatusForbidden || !strings.Contains(msg, tc.want) {
				t.Fatalf("%d %q, want 403 with %q", code, msg, tc.want)
			}
		})
	}

	t.Run("a nonce serves once", func(t *testing.T) {
		c := newClient(t)
		var ch struct{ Nonce string }
		s.postJSON(c, "/api/login/challenge", map[string]any{}, &ch)
		nonce, _ := base64.StdEncoding.DecodeString(ch.Nonce)
		content := "zavera-login-v1\norigin=" + s.origin + "\nnonce=" + base64.RawURLEncoding.EncodeToString(nonce) + "\n"
		req := map[string]any{"nonce": ch.Nonce, "origin": s.origin, "signature": p.leader.signLogin(t, []byte(content))}
		if code := s.postJSON(c, "/api/login", req, nil); code != http.StatusOK {
			t.Fatalf("first: %d", code)
		}
		var out struct{ Error string }
		if code := s.postJSON(newClient(t), "/api/login", req, &out); code != http.StatusBadRequest || !strings.Contains(out.Error, "уже использован") {
			t.Fatalf("replay: %d %q", code, out.Error)
		}
	})

	t.Run("requests from another site are refused", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.ts.URL+"/api/login/challenge", strings.NewReader("{}"))
		req.Header.Set("Origin", "https://evil.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}

// createRegistration files the form with the given documents and returns
// the draft.
func createRegistration(t *testing.T, s *site, c *http.Client, form map[string]string, docs ...file) regView {
	t.Helper()
	ct, body := multipartBody(t, form, "documents", docs)
	var reg regView
	if code := s.do(c, http.MethodPost, "/api/registrations", ct, body, &reg); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	if reg.Status != StatusDraft {
		t.Fatalf("status %q", reg.Status)
	}
	return reg
}

// signRegistration posts a signature and waits for the decision.
func signRegistration(t *testing.T, s *site, c *http.Client, id string, sig []byte) regView {
	t.Helper()
	var reg regView
	if code := s.postJSON(c, "/api/registrations/"+id+"/signature", map[string]any{"signature": sig}, &reg); code != http.StatusAccepted {
		t.Fatalf("sign: %d", code)
	}
	if reg.Status != StatusProcessing {
		t.Fatalf("after signing: %q", reg.Status)
	}
	s.srv.Close() // waits for the verification in progress
	s.do(c, http.MethodGet, "/api/registrations/"+id, "", nil, &reg)
	return reg
}

func TestRegistrationApproved(t *testing.T) {
	p := newPeople(t)
	s := newSite(t, p.ca)
	c := newClient(t)
	s.login(c, p.leader)
	reg := createRegistration(t, s, c, goodForm(), pdfFile("Устав.pdf", 3000), pdfFile("Решение.pdf", 100))
	statement, err := base64.StdEncoding.DecodeString(reg.Statement)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ИНН: " + testINNLE, "ОГРН: " + testOGRN, "КПП: 773601001", "1. Устав.pdf, 3000 байт, ", "2. Решение.pdf, 100 байт, ", "СНИЛС " + leaderSNILS} {
		if !bytes.Contains(statement, []byte(want)) {
			t.Fatalf("statement lacks %q:\n%s", want, statement)
		}
	}
	got := signRegistration(t, s, c, reg.ID, p.leader.sign(t, statement))
	if got.Status != StatusApproved || got.Reason != "" {
		t.Fatalf("%q %q", got.Status, got.Reason)
	}
	var seq []string
	for _, h := range got.History {
		seq = append(seq, h.Status)
	}
	if strings.Join(seq, ",") != "Черновик,В обработке,Одобрено" {
		t.Fatalf("history %v", seq)
	}
	// Signed once only.
	if code := s.postJSON(c, "/api/registrations/"+reg.ID+"/signature", map[string]any{"signature": p.leader.sign(t, statement)}, nil); code != http.StatusConflict {
		t.Fatalf("second signature: %d", code)
	}
	// Another person cannot see it.
	other := newClient(t)
	s.login(other, p.accountant)
	if code := s.do(other, http.MethodGet, "/api/registrations/"+reg.ID, "", nil, nil); code != http.StatusNotFound {
		t.Fatalf("another person: %d", code)
	}
}

func TestRegistrationRefused(t *testing.T) {
	p := newPeople(t)
	cases := []struct {
		name  string
		login *holder
		sign  func(t *testing.T, statement []byte) []byte
		want  string
	}{
		{"signed by the accountant", p.accountant, func(t *testing.T, st []byte) []byte { return p.accountant.sign(t, st) },
			"в сертификате должность «Главный бухгалтер»"},
		{"the leader of another organisation", p.otherLeader, func(t *testing.T, st []byte) []byte { return p.otherLeader.sign(t, st) },
			"ИНН организации в сертификате (0099001233) не совпадает"},
		{"a signature over other bytes", p.leader, func(t *testing.T, st []byte) []byte { return p.leader.sign(t, append(st, ' ')) },
			"под другим документом"},
		{"a CA the portal does not trust", p.leader, func(t *testing.T, st []byte) []byte { return p.foreign.sign(t, st) },
			"удостоверяющим центром"},
		{"signed by someone else than the person logged in", p.otherLeader, func(t *testing.T, st []byte) []byte { return p.leader.sign(t, st) },
			"не тем, кто вошёл"},
		{"garbage", p.leader, func(t *testing.T, st []byte) []byte { return []byte("\x30\x80\x02\x01") },
			"повреждена"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSite(t, p.ca)
			c := newClient(t)
			if tc.name == "signed by someone else than the person logged in" {
				// Same SNILS would pass: log in as the accountant instead.
				tc.login = p.accountant
			}
			s.login(c, tc.login)
			reg := createRegistration(t, s, c, goodForm(), pdfFile("Устав.pdf", 500))
			st, _ := base64.StdEncoding.DecodeString(reg.Statement)
			got := signRegistration(t, s, c, reg.ID, tc.sign(t, st))
			if got.Status != StatusRejected || !strings.Contains(got.Reason, tc.want) {
				t.Fatalf("%q %q, want Отказ with %q", got.Status, got.Reason, tc.want)
			}
		})
	}
}

func TestRegistrationFormChecks(t *testing.T) {
	p := newPeople(t)
	s := newSite(t, p.ca)
	c := newClient(t)
	s.login(c, p.leader)
	post := func(form map[string]string, docs ...file) map[string]string {
		t.Helper()
		ct, body := multipartBody(t, form, "documents", docs)
		var out struct {
			Fields []FieldError
		}
		if code := s.do(c, http.MethodPost, "/api/registrations", ct, body, &out); code != http.StatusUnprocessableEntity {
			t.Fatalf("%d, want 422", code)
		}
		got := map[string]string{}
		for _, f := range out.Fields {
			got[f.Field] += f.Message + ";"
		}
		return got
	}
	bad := goodForm()
	bad["inn"] = "7707083894"
	bad["ogrn"] = "102770013219"
	bad["kpp"] = "77360100a"
	bad["email"] = "not an address"
	bad["phone"] = "12"
	bad["fullName"] = ""
	got := post(bad, pdfFile("a.pdf", 10))
	for field, want := range map[string]string{
		"inn": "контрольное число", "ogrn": "13 цифр", "kpp": "9 символов", "email": "name@example.ru",
		"phone": "+7", "fullName": "заполните",
	} {
		if !strings.Contains(got[field], want) {
			t.Errorf("%s: %q, want %q", field, got[field], want)
		}
	}
	if _, ok := got["address"]; ok {
		t.Errorf("good address refused: %q", got["address"])
	}
	got = post(goodForm(),
		file{name: "устав.docx", data: []byte("PK\x03\x04")},
		file{name: "fake.pdf", data: []byte("MZ\x90")},
		pdfFile("big.pdf", MaxDocumentSize+1),
		file{name: "empty.pdf"},
	)
	for _, want := range []string{"«устав.docx»: принимаются только документы PDF", "«fake.pdf»: принимаются только документы PDF", "«big.pdf»: файл больше 5 МБ", "«empty.pdf»: файл пустой"} {
		if !strings.Contains(got["documents"], want) {
			t.Errorf("documents: %q, want %q", got["documents"], want)
		}
	}
	if got := post(goodForm()); !strings.Contains(got["documents"], "приложите") {
		t.Errorf("no documents: %q", got["documents"])
	}
	// Exactly 5 MB is accepted.
	createRegistration(t, s, c, goodForm(), pdfFile("max.pdf", MaxDocumentSize))
}

func TestFilings(t *testing.T) {
	p := newPeople(t)
	s := newSite(t, p.ca)
	c := newClient(t)
	s.login(c, p.accountant)
	files := []file{{"НДС.xml", []byte("<НДС/>")}, {"РСВ.xml", []byte("<РСВ/>")}, {"Баланс.pdf", []byte("%PDF-1.4 баланс")}}
	ct, body := multipartBody(t, nil, "files", files)
	var batch struct {
		ID    string
		Files []filingResult
	}
	if code := s.do(c, http.MethodPost, "/api/filings", ct, body, &batch); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	if len(batch.Files) != 3 || batch.Files[0].Status != FilingUnsigned {
		t.Fatalf("%+v", batch)
	}
	sigs := []map[string]any{
		{"index": 0, "signature": p.accountant.sign(t, files[0].data)},
		{"index": 1, "signature": p.accountant.sign(t, files[0].data)}, // the wrong file
		{"index": 2, "error": "token removed"},
	}
	var out struct{ Files []filingResult }
	if code := s.postJSON(c, "/api/filings/"+batch.ID+"/signatures", map[string]any{"signatures": sigs}, &out); code != http.StatusOK {
		t.Fatalf("sign: %d", code)
	}
	if f := out.Files[0]; f.Status != FilingAccepted || f.Signer == nil || f.Signer.SNILS != accountSNILS {
		t.Fatalf("file 0: %+v", f)
	}
	if f := out.Files[1]; f.Status != FilingRejected || !strings.Contains(f.Reason, "другим документом") {
		t.Fatalf("file 1: %+v", f)
	}
	if f := out.Files[2]; f.Status != FilingRejected || !strings.Contains(f.Reason, "не подписан") {
		t.Fatalf("file 2: %+v", f)
	}
	// Signed by someone of another organisation: refused.
	sigs = []map[string]any{{"index": 0, "signature": p.otherLeader.sign(t, files[0].data)}}
	s.postJSON(c, "/api/filings/"+batch.ID+"/signatures", map[string]any{"signatures": sigs}, &out)
	if f := out.Files[0]; f.Status != FilingRejected {
		t.Fatalf("another person's signature: %+v", f)
	}
	// An index out of range is a bad request.
	if code := s.postJSON(c, "/api/filings/"+batch.ID+"/signatures", map[string]any{"signatures": []map[string]any{{"index": 7, "error": "x"}}}, nil); code != http.StatusBadRequest {
		t.Fatalf("index out of range: %d", code)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	ca := newCA(t, "CA")
	for _, o := range []Options{
		{Roots: []*cert.Certificate{ca.cert}},
		{Origins: []string{"http://127.0.0.1:1"}},
		{Origins: []string{"ftp://x"}, Roots: []*cert.Certificate{ca.cert}},
	} {
		if _, err := New(o); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestIsLeader(t *testing.T) {
	for title, want := range map[string]bool{
		"Генеральный директор": true, "ДИРЕКТОР": true, "Президент": true, "Председатель правления": true,
		"Управляющий": true, "Заместитель генерального директора": false, "Главный бухгалтер": false, "": false,
		"Помощник директора": false,
	} {
		if got := isLeader(title); got != want {
			t.Errorf("%q: %v", title, got)
		}
	}
}

func TestRefusalMatchesSentinels(t *testing.T) {
	inner := errors.New("inner")
	err := error(&Refusal{Reason: "x", Err: inner})
	if !errors.Is(err, ErrSignature) || !errors.Is(err, inner) {
		t.Fatal("Refusal does not unwrap")
	}
	if !errors.Is(&FieldError{Field: "inn"}, ErrInvalidForm) {
		t.Fatal("FieldError does not unwrap")
	}
}
