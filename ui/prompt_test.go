package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/internal/uitest"
	"github.com/zavera/zavera/ui/wire"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// answers collects what a prompt reports.
type answers struct{ got []Result }

func (a *answers) done(r Result) { a.got = append(a.got, r) }

func (a *answers) one(t *testing.T) Result {
	t.Helper()
	if len(a.got) != 1 {
		t.Fatalf("%d answers, want 1: %+v", len(a.got), a.got)
	}
	return a.got[0]
}

// texts returns every text drawn in w.
func texts(w fyne.Window) string { return uitest.Texts(w.Content()) }

func show(t *testing.T, lang i18n.Lang, req *wire.Request) (*Prompt, *answers, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	w := a.NewWindow("")
	ans := &answers{}
	p, err := Show(w, lang, req, now, ans.done)
	if err != nil {
		t.Fatal(err)
	}
	return p, ans, w
}

func pairReq() *wire.Request {
	return &wire.Request{Kind: wire.KindPair, Origin: "https://lk.gosuslugi.example", PairingCode: "482-915"}
}

func TestPairing(t *testing.T) {
	for _, tc := range []struct {
		name string
		act  func(p *Prompt, w fyne.Window)
		want wire.Answer
	}{
		{"once", func(p *Prompt, _ fyne.Window) { test.Tap(p.once) }, wire.Approve},
		{"always", func(p *Prompt, _ fyne.Window) { test.Tap(p.always) }, wire.ApproveAlways},
		{"refuse", func(p *Prompt, _ fyne.Window) { test.Tap(p.cancel) }, wire.Refuse},
		{"escape", func(_ *Prompt, w fyne.Window) { w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) }, wire.Refuse},
		{"close", func(_ *Prompt, w fyne.Window) { w.Close() }, wire.Refuse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ans, w := show(t, i18n.English, pairReq())
			// Enter must not approve a site.
			w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
			if len(ans.got) != 0 {
				t.Fatalf("Enter answered the pairing: %+v", ans.got)
			}
			tc.act(p, w)
			test.Tap(p.always) // a second click after the answer changes nothing
			if r := ans.one(t); r.Answer != tc.want || r.PIN != nil {
				t.Fatalf("answer %+v, want %s", r, tc.want)
			}
		})
	}
}

func TestPairingShowsOriginAndCode(t *testing.T) {
	for _, tc := range []struct {
		lang  i18n.Lang
		words []string
	}{
		{i18n.Russian, []string{"Разрешить один раз", "Разрешать всегда", "Запретить", "Код, который показывает страница"}},
		{i18n.English, []string{"Allow once", "Always allow", "Refuse", "The code the page shows"}},
	} {
		_, _, w := show(t, tc.lang, pairReq())
		got := texts(w)
		for _, want := range append(tc.words, "https://lk.gosuslugi.example", "482-915") {
			if !strings.Contains(got, want) {
				t.Errorf("%s: window lacks %q:\n%s", tc.lang, want, got)
			}
		}
		if w.Canvas().Focused() != nil {
			t.Errorf("%s: something has the focus in the pairing window", tc.lang)
		}
	}
}

func signReq(pin *wire.PINField) *wire.Request {
	return &wire.Request{Kind: wire.KindSign, Origin: "https://portal.example", PIN: pin,
		Signing: &wire.Signing{What: "document", Count: 1, Description: "Заявление о регистрации ООО «Ромашка»",
			Files: []wire.File{{Name: "заявление.xml", Size: 18 << 10, Hash: "9f86d081884c7d65", HashAlg: "Streebog-256",
				Preview: "<заявление инн=\"7707083893\"/>", PreviewType: "xml"},
				{Name: "устав.pdf", Size: 3 << 20, Pages: 12}},
			Certificate: &wire.Cert{Owner: "Иванов Иван Иванович", Position: "Генеральный директор", Organization: "ООО «Ромашка»",
				INN: "770712345633", INNLE: "7707083893", OGRN: "1027700132195",
				NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0), Key: "GOST R 34.10-2012 256", Token: "Rutoken ECP 3.0"}}}
}

func TestSigningPINEnter(t *testing.T) {
	p, ans, w := show(t, i18n.Russian, signReq(&wire.PINField{Token: "Rutoken ECP 3.0", TriesLeft: -1}))
	if w.Canvas().Focused() != p.pin {
		t.Fatalf("focus on %v, want the PIN field", w.Canvas().Focused())
	}
	test.Type(p.pin, "4951")
	p.pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	r := ans.one(t)
	if r.Answer != wire.Confirm || string(r.PIN) != "4951" {
		t.Fatalf("answer %+v", r)
	}
	if p.pin.Text != "" {
		t.Fatal("PIN field not cleared")
	}
	got := texts(w)
	for _, want := range []string{"https://portal.example", "просит подписать документ", "Заявление о регистрации ООО «Ромашка»",
		"заявление.xml", "18.0 КБ", "9f86d081884c7d65", "Streebog-256", "устав.pdf", "3.0 МБ, 12 страниц",
		"Иванов Иван Иванович", "Генеральный директор", "ООО «Ромашка»", "770712345633", "7707083893", "1027700132195",
		"с 22.11.2025 по 22.11.2027", "Rutoken ECP 3.0", "PIN-код токена (Rutoken ECP 3.0)", "Подписать", "Отмена"} {
		if !strings.Contains(got, want) {
			t.Errorf("window lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "4951") {
		t.Error("the PIN shows in the window")
	}
	if strings.Contains(got, "попыт") {
		t.Error("tries left shown though unknown")
	}
}

func TestSigningPINEscape(t *testing.T) {
	p, ans, _ := show(t, i18n.English, signReq(&wire.PINField{TriesLeft: -1}))
	test.Type(p.pin, "99")
	p.pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if r := ans.one(t); r.Answer != wire.Refuse || r.PIN != nil {
		t.Fatalf("answer %+v", r)
	}
	if p.pin.Text != "" {
		t.Fatal("PIN field not cleared on refusal")
	}
}

func TestSigningButtons(t *testing.T) {
	p, ans, _ := show(t, i18n.English, signReq(&wire.PINField{TriesLeft: -1}))
	test.Type(p.pin, "0000")
	test.Tap(p.primary)
	if r := ans.one(t); r.Answer != wire.Confirm || string(r.PIN) != "0000" {
		t.Fatalf("sign button: %+v", r)
	}
	p, ans, _ = show(t, i18n.English, signReq(&wire.PINField{TriesLeft: -1}))
	test.Type(p.pin, "0000")
	test.Tap(p.cancel)
	if r := ans.one(t); r.Answer != wire.Refuse || r.PIN != nil {
		t.Fatalf("cancel button: %+v", r)
	}
}

func TestSigningWithoutPINField(t *testing.T) {
	// A token already logged in: Enter on the window confirms.
	p, ans, w := show(t, i18n.English, signReq(nil))
	if p.pin != nil || w.Canvas().Focused() != nil {
		t.Fatal("a PIN field without a PIN request")
	}
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if r := ans.one(t); r.Answer != wire.Confirm || r.PIN != nil {
		t.Fatalf("answer %+v", r)
	}
}

func TestTriesLeft(t *testing.T) {
	for _, tc := range []struct {
		lang  i18n.Lang
		field wire.PINField
		want  string
	}{
		{i18n.Russian, wire.PINField{TriesLeft: 2, Retry: true}, "Неверный PIN-код. Осталось 2 попытки до блокировки"},
		{i18n.Russian, wire.PINField{TriesLeft: 1, Retry: true}, "Неверный PIN-код. Осталась 1 попытка до блокировки"},
		{i18n.English, wire.PINField{TriesLeft: 1, Retry: true}, "Wrong PIN. 1 try left before the token locks"},
		{i18n.English, wire.PINField{TriesLeft: -1, Retry: true}, "Wrong PIN."},
		{i18n.English, wire.PINField{TriesLeft: 10}, "10 tries left before the token locks"},
	} {
		req := signReq(&tc.field)
		req.Kind = wire.KindPIN
		p, ans, w := show(t, tc.lang, req)
		if got := texts(w); !strings.Contains(got, tc.want) {
			t.Errorf("%+v: window lacks %q:\n%s", tc.field, tc.want, got)
		}
		test.Type(p.pin, "5")
		p.pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnter})
		if r := ans.one(t); r.Answer != wire.Confirm || string(r.PIN) != "5" {
			t.Errorf("answer %+v", r)
		}
	}
}

func TestPINPad(t *testing.T) {
	p, ans, w := show(t, i18n.Russian, signReq(&wire.PINField{PINPad: true, TriesLeft: -1}))
	if p.pin != nil {
		t.Fatal("a PIN field for a PIN pad token")
	}
	if got := texts(w); !strings.Contains(got, "Введите PIN-код на клавиатуре токена или считывателя.") {
		t.Fatalf("no PIN pad notice:\n%s", got)
	}
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if r := ans.one(t); r.Answer != wire.Confirm || r.PIN != nil {
		t.Fatalf("answer %+v", r)
	}
}

func TestCertificateWarnings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"expired", now.AddDate(-2, 0, 0), now.Add(-time.Hour), "The certificate is not valid now"},
		{"not yet", now.Add(time.Hour), now.AddDate(1, 0, 0), "The certificate is not valid now"},
		{"soon", now.AddDate(-1, 0, 0), now.Add(3*24*time.Hour - time.Hour), "The certificate expires in 3 days"},
		{"tomorrow", now.AddDate(-1, 0, 0), now.Add(20 * time.Hour), "The certificate expires in 1 day"},
		{"fine", now.AddDate(-1, 0, 0), now.AddDate(0, 0, 31), ""},
	} {
		req := signReq(nil)
		req.Signing.Certificate.NotBefore, req.Signing.Certificate.NotAfter = tc.from, tc.to
		_, _, w := show(t, i18n.English, req)
		got := texts(w)
		if tc.want == "" {
			if strings.Contains(got, "certificate expires") || strings.Contains(got, "not valid") {
				t.Errorf("%s: a warning shows:\n%s", tc.name, got)
			}
			continue
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: window lacks %q:\n%s", tc.name, tc.want, got)
		}
	}
}

func TestLoginAndBatchTitles(t *testing.T) {
	req := signReq(nil)
	req.Signing.What, req.Signing.Files = "login", nil
	_, _, w := show(t, i18n.Russian, req)
	if got := texts(w); !strings.Contains(got, "просит войти с вашим сертификатом") || w.Title() != "Zavera: вход по сертификату — https://portal.example" {
		t.Errorf("login window: %q\n%s", w.Title(), got)
	}
	req = signReq(nil)
	req.Signing.What, req.Signing.Count = "batch", 22
	req.Signing.Files = make([]wire.File, 22)
	for i := range req.Signing.Files {
		req.Signing.Files[i] = wire.File{Name: "отчёт.xml", Size: 100}
	}
	_, _, w = show(t, i18n.Russian, req)
	if got := texts(w); !strings.Contains(got, "просит подписать 22 документа") || !strings.Contains(got, "1. отчёт.xml") {
		t.Errorf("batch window:\n%s", got)
	}
}

func TestNotice(t *testing.T) {
	p, ans, w := show(t, i18n.English, &wire.Request{Kind: wire.KindNotice, Origin: "https://a.example", Message: "The token's PIN is locked."})
	if got := texts(w); !strings.Contains(got, "The token's PIN is locked.") || !strings.Contains(got, "https://a.example") {
		t.Fatalf("notice:\n%s", got)
	}
	test.Tap(p.primary)
	if r := ans.one(t); r.Answer != wire.Dismissed {
		t.Fatalf("answer %+v", r)
	}
}

func TestUnknownKind(t *testing.T) {
	a := test.NewTempApp(t)
	if _, err := Show(a.NewWindow(""), i18n.English, &wire.Request{Kind: "format"}, now, func(Result) {}); err == nil {
		t.Fatal("unknown kind shown")
	}
}

// findList returns the first list drawn in w, nil when none.
func findList(w fyne.Window) *widget.List {
	for _, o := range test.LaidOutObjects(w.Content()) {
		if l, ok := o.(*widget.List); ok {
			return l
		}
	}
	return nil
}

// A batch window shows the agent's digest of every document: the long
// list scrolls, and each row carries its document's digest.
func TestBatchShowsEveryDigest(t *testing.T) {
	req := signReq(nil)
	req.Signing.What, req.Signing.Count = "batch", 30
	req.Signing.Files = make([]wire.File, 30)
	hash := func(i int) string { return fmt.Sprintf("%02d", i) + strings.Repeat("ab", 31) }
	for i := range req.Signing.Files {
		req.Signing.Files[i] = wire.File{Name: fmt.Sprintf("отчёт-%02d.xml", i), Size: 100, Hash: hash(i), HashAlg: "Streebog-256"}
	}
	_, _, w := show(t, i18n.English, req)
	w.Resize(fyne.NewSize(600, 680))
	if got := texts(w); !strings.Contains(got, "Hash Streebog-256: "+hash(0)) {
		t.Fatalf("first document's digest not shown:\n%s", got)
	}
	list := findList(w)
	if list == nil {
		t.Fatal("no document list")
	}
	for _, i := range []int{14, 29} {
		list.ScrollTo(i)
		if got := texts(w); !strings.Contains(got, fmt.Sprintf("%d. отчёт-%02d.xml", i+1, i)) || !strings.Contains(got, "Hash Streebog-256: "+hash(i)) {
			t.Errorf("document %d or its digest not shown after scrolling to it:\n%s", i+1, got)
		}
	}
}

// What a page or a token wrote is cleaned before a window shows it; the
// site is named in the title and last, just above the question.
func TestSigningWindowCleansTextAndShowsOriginLast(t *testing.T) {
	req := signReq(nil)
	req.Signing.Description = "Оплата\u202e\u200b счёта\x1b[2J\x1b]0;https://bank.example\x07" + strings.Repeat("\n", 200) + "итог"
	req.Signing.Files = []wire.File{{Name: "\x1b[31mсчёт\u202efdp.exe", Size: 10, Hash: strings.Repeat("c3", 32), HashAlg: "Streebog-256",
		Preview: "строка\x1b[1;1H\u2066один\n\n\n\nдва", PreviewType: "text"}}
	req.Signing.Certificate.Owner = "\x1b[2J\x1b[1;1HИванов\u202e Иван"
	req.Signing.Certificate.Organization = "ООО\x1b]0;x\x07 «Ромашка»"
	_, _, w := show(t, i18n.English, req)
	got := texts(w)
	if strings.ContainsAny(got+w.Title(), "\x1b\u202e\u200b\u2066") {
		t.Fatalf("control characters shown:\n%q", got)
	}
	for _, want := range []string{"Оплата счёта итог", "счётfdp.exe", "Hash Streebog-256: " + strings.Repeat("c3", 32),
		"строкаодин\n\nдва", "Иванов Иван", "ООО «Ромашка»"} {
		if !strings.Contains(got, want) {
			t.Errorf("window lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(w.Title(), " — https://portal.example") {
		t.Errorf("title %q does not name the site", w.Title())
	}
	site, asks := strings.LastIndex(got, "https://portal.example\n"), strings.Index(got, "asks you to sign a document")
	if site < 0 || site < strings.Index(got, "Иванов Иван") || site < strings.Index(got, "итог") || asks != site+len("https://portal.example\n") {
		t.Errorf("the site is not last, just above the question:\n%s", got)
	}
}

// A signature of one document that the page described as several files
// shows the document signed, with its digest, and the page's names as
// its labels only.
func TestSigningWindowShowsDeclaredNamesAsLabels(t *testing.T) {
	req := signReq(nil)
	digest := strings.Repeat("7d", 32)
	req.Signing.Files = []wire.File{{Name: "", Size: 4096, Hash: digest, HashAlg: "Streebog-256"}}
	req.Signing.Declared = []wire.File{{Name: "акт.pdf", Size: 10}, {Name: "счёт\u202e.xml", Size: 20}}
	_, _, w := show(t, i18n.Russian, req)
	got := texts(w)
	for _, want := range []string{"(без имени)", "Хэш Streebog-256: " + digest, "Имена файлов от страницы",
		"акт.pdf (10 байт), счёт.xml (20 байт)", "Zavera их не проверяла"} {
		if !strings.Contains(got, want) {
			t.Errorf("window lacks %q:\n%s", want, got)
		}
	}
}

// TestPasswordField: for a software key the field asks for the key's
// password, in both languages, and the answer carries what was typed.
func TestPasswordField(t *testing.T) {
	for _, tc := range []struct {
		lang  i18n.Lang
		field wire.PINField
		want  []string
	}{
		{i18n.Russian, wire.PINField{Token: "srv", TriesLeft: -1, Password: true}, []string{"Пароль ключа (srv)"}},
		{i18n.Russian, wire.PINField{Token: "srv", TriesLeft: -1, Retry: true, Password: true}, []string{"Пароль ключа (srv)", "Неверный пароль."}},
		{i18n.English, wire.PINField{Token: "srv", TriesLeft: -1, Retry: true, Password: true}, []string{"Key password (srv)", "Wrong password."}},
	} {
		req := signReq(&tc.field)
		req.Kind = wire.KindPIN
		p, ans, w := show(t, tc.lang, req)
		got := texts(w)
		for _, want := range tc.want {
			if !strings.Contains(got, want) {
				t.Errorf("%+v: window lacks %q:\n%s", tc.field, want, got)
			}
		}
		if strings.Contains(got, "PIN") {
			t.Errorf("%+v: a software key's window speaks of a PIN:\n%s", tc.field, got)
		}
		test.Type(p.pin, "пароль")
		p.pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnter})
		if r := ans.one(t); r.Answer != wire.Confirm || string(r.PIN) != "пароль" {
			t.Errorf("answer %+v", r)
		}
	}
}
