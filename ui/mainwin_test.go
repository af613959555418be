package ui

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/internal/uitest"
	"github.com/zavera/zavera/ui/wire"
)

type fakeBackend struct {
	tokens   []TokenView
	sites    []SiteView
	revoked  []string
	journal  []JournalEntry
	settings Settings
	saved    []Settings
	diag     Diagnosis
	diagRuns int
}

func (f *fakeBackend) Tokens() ([]TokenView, error) { return f.tokens, nil }
func (f *fakeBackend) Sites() ([]SiteView, error)   { return f.sites, nil }
func (f *fakeBackend) Revoke(o string) error {
	f.revoked = append(f.revoked, o)
	f.sites = slices.DeleteFunc(f.sites, func(s SiteView) bool { return s.Origin == o })
	return nil
}
func (f *fakeBackend) Journal() ([]JournalEntry, error) { return f.journal, nil }
func (f *fakeBackend) Settings() (Settings, error)      { return f.settings, nil }
func (f *fakeBackend) SaveSettings(s Settings) error {
	if s.Port == 666 {
		return errors.New("disk full")
	}
	f.saved = append(f.saved, s)
	return nil
}
func (f *fakeBackend) Diagnose() Diagnosis { f.diagRuns++; return f.diag }

func sampleBackend() *fakeBackend {
	return &fakeBackend{
		tokens: []TokenView{{Label: "Rutoken ECP 3.0", Model: "Rutoken ECP", Serial: "3a8b1c2d", Certificates: []wire.Cert{
			{Owner: "Иванов Иван Иванович", Organization: "ООО «Ромашка»", INNLE: "7707083893", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(0, 0, 12)},
			{Owner: "Петрова Анна", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)},
		}}},
		sites: []SiteView{{Origin: "https://lk.gosuslugi.ru", Configured: true}, {Origin: "https://nalog.example"}},
		journal: []JournalEntry{
			{Time: now.Add(-2 * time.Hour), Event: "sign", Outcome: "signed", Origin: "https://nalog.example", Description: "НДС за 3 квартал", Document: "ab12"},
			{Time: now.Add(-time.Hour), Event: "consent", Outcome: "approved", Origin: "https://nalog.example"},
			{Time: now.Add(-30 * time.Minute), Event: "sign", Outcome: "refused", Origin: "https://lk.gosuslugi.ru", Description: "Заявление Р11001"},
		},
		settings: Settings{Modules: []string{"/usr/lib/librtpkcs11ecp.so"}, Port: 27413},
		diag: Diagnosis{Modules: []ModuleState{{Path: "/usr/lib/librtpkcs11ecp.so", Description: "Rutoken"}, {Path: "/usr/lib/broken.so", Err: "no such file"}},
			Tokens: []string{"Rutoken ECP 3.0"}, Port: 27413, PortOK: true, PortDetail: "Zavera, protocol 1",
			TLSOK: false, TLSDetail: "not trusted by Firefox", BrowserOK: true, Problems: []string{"the local CA is not in the Firefox profile"}},
	}
}

func TestMainTokensWithExpiry(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("")
	m := ShowMain(w, i18n.Russian, sampleBackend(), now)
	got := uitest.Texts(m.tokensBox)
	for _, want := range []string{"Rutoken ECP 3.0 — Rutoken ECP (3a8b1c2d)", "Иванов Иван Иванович", "7707083893",
		"Сертификат истекает через 12 дней", "Петрова Анна"} {
		if !strings.Contains(got, want) {
			t.Errorf("tokens page lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "истекает") != 1 {
		t.Errorf("expiry warnings: %d, want 1", strings.Count(got, "истекает"))
	}
	if e := m.Expiring(); len(e) != 1 || e[0] != "Иванов Иван Иванович" {
		t.Errorf("expiring: %v", e)
	}
	m.b.(*fakeBackend).tokens = nil
	m.Refresh()
	if got := uitest.Texts(m.tokensBox); !strings.Contains(got, "Токены не найдены") {
		t.Errorf("no tokens:\n%s", got)
	}
}

func TestMainRevoke(t *testing.T) {
	a := test.NewTempApp(t)
	b := sampleBackend()
	m := ShowMain(a.NewWindow(""), i18n.English, b, now)
	if _, ok := m.revokeButtons["https://lk.gosuslugi.ru"]; ok {
		t.Fatal("a configured site can be revoked")
	}
	got := uitest.Texts(m.sitesBox)
	if !strings.Contains(got, "set by the administrator") || !strings.Contains(got, "https://nalog.example") {
		t.Fatalf("sites:\n%s", got)
	}
	test.Tap(m.revokeButtons["https://nalog.example"])
	if !slices.Equal(b.revoked, []string{"https://nalog.example"}) {
		t.Fatalf("revoked %v", b.revoked)
	}
	if got := uitest.Texts(m.sitesBox); strings.Contains(got, "https://nalog.example") {
		t.Fatalf("revoked site still listed:\n%s", got)
	}
}

func TestMainJournalSearch(t *testing.T) {
	a := test.NewTempApp(t)
	m := ShowMain(a.NewWindow(""), i18n.English, sampleBackend(), now)
	if len(m.shown) != 3 || m.count.Text != "3 records" {
		t.Fatalf("all: %v %q", m.shown, m.count.Text)
	}
	// Newest first.
	if m.journal[m.shown[0]].Description != "Заявление Р11001" {
		t.Fatalf("order: %+v", m.journal)
	}
	test.Type(m.search, "ндс")
	if len(m.shown) != 1 || m.journal[m.shown[0]].Description != "НДС за 3 квартал" || m.count.Text != "1 record" {
		t.Fatalf("search ндс: %v %q", m.shown, m.count.Text)
	}
	m.search.SetText("nalog approved")
	if len(m.shown) != 1 || m.journal[m.shown[0]].Event != "consent" {
		t.Fatalf("search two words: %v", m.shown)
	}
	m.search.SetText("nothing-like-this")
	if len(m.shown) != 0 || m.count.Text != "0 records" {
		t.Fatalf("search nothing: %v %q", m.shown, m.count.Text)
	}
}

func TestMainSettings(t *testing.T) {
	a := test.NewTempApp(t)
	b := sampleBackend()
	m := ShowMain(a.NewWindow(""), i18n.English, b, now)
	if m.port.Text != "27413" || m.modules.Text != "/usr/lib/librtpkcs11ecp.so" || m.language.SelectedIndex() != 0 {
		t.Fatalf("loaded: %q %q %d", m.port.Text, m.modules.Text, m.language.SelectedIndex())
	}
	m.port.SetText("99999")
	test.Tap(m.save)
	if len(b.saved) != 0 || m.settingsMsg.Text != "The port must be a number from 1 to 65535." {
		t.Fatalf("bad port saved: %v %q", b.saved, m.settingsMsg.Text)
	}
	m.port.SetText("28000")
	m.modules.SetText("/a.so\n\n  /b.so  ")
	m.language.SetSelectedIndex(1)
	m.startAtLogin.SetChecked(true)
	test.Tap(m.save)
	want := Settings{Modules: []string{"/a.so", "/b.so"}, Port: 28000, Language: "ru", StartAtLogin: true}
	if len(b.saved) != 1 || !slices.Equal(b.saved[0].Modules, want.Modules) || b.saved[0].Port != want.Port ||
		b.saved[0].Language != want.Language || !b.saved[0].StartAtLogin {
		t.Fatalf("saved %+v, want %+v", b.saved, want)
	}
	if !strings.HasPrefix(m.settingsMsg.Text, "Saved.") {
		t.Fatalf("message %q", m.settingsMsg.Text)
	}
	m.port.SetText("666")
	test.Tap(m.save)
	if m.settingsMsg.Text != "Error: disk full" {
		t.Fatalf("failed save: %q", m.settingsMsg.Text)
	}
}

func TestMainDiagnostics(t *testing.T) {
	a := test.NewTempApp(t)
	b := sampleBackend()
	m := ShowMain(a.NewWindow(""), i18n.English, b, now)
	if b.diagRuns != 0 {
		t.Fatal("diagnostics ran before the page was opened")
	}
	m.tabs.Select(m.diagnosticsTab)
	if b.diagRuns != 1 {
		t.Fatalf("diagnostics ran %d times", b.diagRuns)
	}
	got := uitest.Texts(m.diagBox)
	for _, want := range []string{"/usr/lib/librtpkcs11ecp.so: OK — loaded Rutoken", "/usr/lib/broken.so: problem — not loaded: no such file",
		"Rutoken ECP 3.0", "Port 27413: OK — Zavera, protocol 1", "Local TLS certificate: problem — not trusted by Firefox",
		"A browser page can connect: OK", "the local CA is not in the Firefox profile"} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
	test.Tap(m.refreshDiag)
	if b.diagRuns != 2 {
		t.Fatalf("refresh ran %d times", b.diagRuns)
	}
}

// loginBackend logs in to a token that shows its certificates only after
// a login, with a PIN typed by the test in place of the PIN window.
type loginBackend struct {
	*fakeBackend
	pin    string // what the PIN window gives; "" refuses it
	logins []string
}

func (f *loginBackend) ShowCertificates(id string) error {
	f.logins = append(f.logins, id)
	switch f.pin {
	case "":
		return ErrLoginCancelled
	case "12345678":
	default:
		return ErrWrongPIN
	}
	for i := range f.tokens {
		if f.tokens[i].ID == id {
			f.tokens[i].CertificatesAfterLogin = false
			f.tokens[i].Certificates = []wire.Cert{{Owner: "Сидоров Пётр", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)}}
		}
	}
	return nil
}

func TestMainShowCertificatesAfterLogin(t *testing.T) {
	a := test.NewTempApp(t)
	b := &loginBackend{fakeBackend: &fakeBackend{tokens: []TokenView{
		{ID: "t1", Label: "JaCarta GOST", CertificatesAfterLogin: true},
		{ID: "t2", Label: "Rutoken ECP"},
	}}}
	m := ShowMain(a.NewWindow(""), i18n.Russian, b, now)
	if m.logins.buttons["t2"] != nil {
		t.Fatal("a token that shows its certificates has the login button")
	}
	if got := uitest.Texts(m.tokensBox); !strings.Contains(got, "Показать сертификаты") || strings.Contains(got, "Сидоров") {
		t.Fatalf("before login:\n%s", got)
	}
	for _, step := range []struct{ pin, want, not string }{
		{"", "Показать сертификаты", "Неверный PIN-код"},
		{"00000000", "Неверный PIN-код", "Сидоров"},
		{"12345678", "Сидоров Пётр", "Показать сертификаты"},
	} {
		b.pin = step.pin
		btn := m.logins.buttons["t1"]
		if btn == nil {
			t.Fatalf("pin %q: no login button", step.pin)
		}
		test.Tap(btn)
		m.WaitLogins()
		got := uitest.Texts(m.tokensBox)
		if !strings.Contains(got, step.want) || strings.Contains(got, step.not) {
			t.Fatalf("after pin %q: want %q and not %q:\n%s", step.pin, step.want, step.not, got)
		}
	}
	if len(b.logins) != 3 || b.logins[0] != "t1" {
		t.Fatalf("logins %v", b.logins)
	}
}

// The backend without TokenLogin (a window not opened by the agent): no
// button, the token says where to log in.
func TestMainNoLoginWithoutBackend(t *testing.T) {
	a := test.NewTempApp(t)
	b := &fakeBackend{tokens: []TokenView{{ID: "t1", Label: "JaCarta GOST", CertificatesAfterLogin: true}}}
	m := ShowMain(a.NewWindow(""), i18n.English, b, now)
	if got := uitest.Texts(m.tokensBox); m.LoginButton("t1") != nil || !strings.Contains(got, "open Zavera from its notification area icon") {
		t.Fatalf("tokens page:\n%s", got)
	}
}
