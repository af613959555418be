package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/internal/uitest"
	"github.com/zavera/zavera/ui/wire"
)

// moveBackend is keyBackend with tokens to move keys to.
type moveBackend struct {
	*keyBackend
	targets  []MoveTarget
	password string
	pin      string
	handed   [][]byte // the password and PIN slices handed over
	moved    []string // "key->token"
}

func (b *moveBackend) MoveTargets() ([]MoveTarget, error) { return b.targets, nil }
func (b *moveBackend) MoveKey(keyID, tokenID string, password, pin []byte) error {
	b.handed = append(b.handed, password, pin)
	switch {
	case tokenID == "soft":
		return fmt.Errorf("no GOST: %w", ErrNoGOSTToken)
	case string(password) != b.password:
		return fmt.Errorf("opening: %w", ErrWrongPassword)
	case string(pin) != b.pin:
		return fmt.Errorf("login: %w", ErrWrongPIN)
	}
	b.moved = append(b.moved, keyID+"->"+tokenID)
	return nil
}

// TestMainMoveKey: a usable software key offers «Перенести на токен», a
// damaged one does not; the window shows the certificate and the tokens;
// a token without GOST, a wrong password and a wrong PIN keep it open
// with the reason and move nothing; the right ones move the key, close
// the window and say that the file is no longer needed; the password and
// PIN handed over are wiped; Cancel moves nothing.
func TestMainMoveKey(t *testing.T) {
	a := test.NewTempApp(t)
	b := &moveBackend{keyBackend: &keyBackend{fakeBackend: sampleBackend(), keys: []KeyFileView{
		{ID: "a1", Name: "srv", Path: "/media/user/FLASH/srv.000", Kind: KeyKindContainer, Added: true, PasswordNeeded: true,
			Certificate: &wire.Cert{Owner: "Сидоров Пётр", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)}},
		{ID: "b2", Name: "old.000", Path: "/media/user/OLD/old.000", Kind: KeyKindContainer, Problem: KeyProblemDamaged},
	}}, targets: []MoveTarget{{ID: "soft", Label: "SoftHSM"}, {ID: "rt", Label: "Рутокен ЭЦП", Description: "Aktiv Rutoken ECP 2.0"}},
		password: "пароль", pin: "12345678"}
	m := ShowMain(a.NewWindow(""), i18n.Russian, b, now)
	if m.moveKeyButtons["a1"] == nil || m.moveKeyButtons["b2"] != nil || m.moveKeyButtons["a1"].Text != "Перенести на токен" {
		t.Fatalf("move buttons: %v", m.moveKeyButtons)
	}
	test.Tap(m.moveKeyButtons["a1"])
	p := m.keyMove
	if p == nil {
		t.Fatal("no move window")
	}
	texts := uitest.Texts(p.w.Content())
	for _, want := range []string{"Сидоров Пётр", "/media/user/FLASH/srv.000", "прочитать ключ с токена будет нельзя", "Пароль ключа (srv)", "PIN-код токена"} {
		if !strings.Contains(texts, want) {
			t.Errorf("move window lacks %q:\n%s", want, texts)
		}
	}
	if !p.password.Password || !p.pin.Password {
		t.Error("a field shows what is typed")
	}

	try := func(token int, password, pin, want string) {
		t.Helper()
		p.token.SetSelectedIndex(token)
		test.Type(p.password, password)
		test.Type(p.pin, pin)
		test.Tap(p.move)
		if m.keyMove != p || !p.problem.Visible() || p.problem.Text != want || len(b.moved) != 0 {
			t.Fatalf("%q: window %v, problem %q, moved %v", want, m.keyMove, p.problem.Text, b.moved)
		}
		if p.password.Text != "" || p.pin.Text != "" {
			t.Fatal("the fields keep what was typed")
		}
	}
	try(0, "пароль", "12345678", "Этот токен не принимает ключи ГОСТ; ничего не записано.")
	try(1, "неверный", "12345678", "Неверный пароль.")
	try(1, "пароль", "0000", "Неверный PIN-код.")

	p.token.SetSelectedIndex(1)
	test.Type(p.password, "пароль")
	test.Type(p.pin, "12345678")
	test.Tap(p.move)
	if m.keyMove != nil || len(b.moved) != 1 || b.moved[0] != "a1->rt" {
		t.Fatalf("after the move: window %v, moved %v", m.keyMove, b.moved)
	}
	if got := uitest.Texts(m.keysBox); !strings.Contains(got, "перенесён на токен «Рутокен ЭЦП»") || !strings.Contains(got, "удалите сами") {
		t.Errorf("no notice of the move:\n%s", got)
	}
	for i, s := range b.handed {
		if len(s) == 0 || strings.Trim(string(s), "\x00") != "" {
			t.Errorf("secret %d not wiped: %q", i, s)
		}
	}

	test.Tap(m.moveKeyButtons["a1"])
	p = m.keyMove
	test.Type(p.password, "пароль")
	test.Tap(p.cncl)
	if m.keyMove != nil || len(b.moved) != 1 {
		t.Fatalf("after Cancel: window %v, moved %v", m.keyMove, b.moved)
	}

	// English, and no token to move to.
	b.targets = nil
	m2 := ShowMain(a.NewWindow(""), i18n.English, b, now)
	if m2.moveKeyButtons["a1"].Text != "Move to a token" {
		t.Errorf("English button %q", m2.moveKeyButtons["a1"].Text)
	}
	test.Tap(m2.moveKeyButtons["a1"])
	if p := m2.keyMove; !p.move.Disabled() || p.problem.Text != "No token that takes GOST keys: insert a token." {
		t.Errorf("no tokens: disabled %v, %q", p.move.Disabled(), p.problem.Text)
	}
}

// TestMainNoMoveWithoutMover: a backend without KeyMover offers no move.
func TestMainNoMoveWithoutMover(t *testing.T) {
	a := test.NewTempApp(t)
	b := &keyBackend{fakeBackend: sampleBackend(), keys: []KeyFileView{{ID: "a1", Name: "srv", Kind: KeyKindContainer, Added: true,
		Certificate: &wire.Cert{Owner: "Сидоров Пётр", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)}}}}
	m := ShowMain(a.NewWindow(""), i18n.Russian, b, now)
	if len(m.moveKeyButtons) != 0 || m.removeKeyButtons["a1"] == nil {
		t.Fatalf("move buttons %v", m.moveKeyButtons)
	}
}
