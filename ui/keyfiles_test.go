package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/internal/uitest"
	"github.com/zavera/zavera/ui/wire"
)

// keyBackend is the sample backend with software keys.
type keyBackend struct {
	*fakeBackend
	keys  []KeyFileView
	added []string
}

func (k *keyBackend) KeyFiles() ([]KeyFileView, error) { return k.keys, nil }
func (k *keyBackend) AddKeyFile(path string) error {
	if strings.HasSuffix(path, ".txt") {
		return errors.New("not a key file")
	}
	k.added = append(k.added, path)
	k.keys = append(k.keys, KeyFileView{ID: "new", Name: filepath.Base(path), Path: path, Kind: KeyKindContainer, Added: true,
		Certificate: &wire.Cert{Owner: "Новый Владелец", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)}})
	return nil
}
func (k *keyBackend) RemoveKeyFile(id string) error {
	k.keys = slices.DeleteFunc(k.keys, func(v KeyFileView) bool { return v.ID == id })
	return nil
}

// TestMainKeyFiles: the tokens page lists software keys with their
// certificates, marked as not certified tokens; a file of a container
// folder adds the folder; an added key is removed; a found one cannot be.
func TestMainKeyFiles(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("")
	b := &keyBackend{fakeBackend: sampleBackend(), keys: []KeyFileView{
		{ID: "a1", Name: "srv", Path: "/media/user/FLASH/srv.000", Kind: KeyKindContainer, Added: true,
			Certificate: &wire.Cert{Owner: "Сидоров Пётр", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)}},
		{ID: "b2", Name: "old.000", Path: "/media/user/OLD/old.000", Kind: KeyKindContainer, Problem: KeyProblemDamaged},
	}}
	m := ShowMain(w, i18n.Russian, b, now)
	got := uitest.Texts(m.keysBox)
	for _, want := range []string{"Ключи в файлах", "не сертифицированный токен", "Добавить ключ из файла",
		"srv — контейнер КриптоПро", "Сидоров Пётр", "найден на диске", "повреждены"} {
		if !strings.Contains(got, want) {
			t.Errorf("keys section lacks %q:\n%s", want, got)
		}
	}
	if m.removeKeyButtons["a1"] == nil || m.removeKeyButtons["b2"] != nil {
		t.Fatalf("remove buttons: %v", m.removeKeyButtons)
	}

	m.AddKeyFile("/media/user/NEW/ivanov.000/header.key")
	if len(b.added) != 1 || b.added[0] != "/media/user/NEW/ivanov.000" {
		t.Fatalf("added %v, want the container's folder", b.added)
	}
	if !strings.Contains(uitest.Texts(m.keysBox), "Новый Владелец") {
		t.Error("the added key is not listed")
	}
	m.AddKeyFile("/tmp/notes.txt")
	if got := uitest.Texts(m.keysBox); !strings.Contains(got, "Ключ не добавлен: not a key file") {
		t.Errorf("no error for a refused file:\n%s", got)
	}

	test.Tap(m.removeKeyButtons["a1"])
	if got := uitest.Texts(m.keysBox); strings.Contains(got, "Сидоров Пётр") {
		t.Errorf("removed key still listed:\n%s", got)
	}

	// English.
	w2 := a.NewWindow("")
	m2 := ShowMain(w2, i18n.English, b, now)
	if got := uitest.Texts(m2.keysBox); !strings.Contains(got, "Add a key from a file") || !strings.Contains(got, "not a certified token") {
		t.Errorf("English keys section:\n%s", got)
	}
}

// TestMainWithoutKeyFiles: a backend without software keys shows no such
// section.
func TestMainWithoutKeyFiles(t *testing.T) {
	a := test.NewTempApp(t)
	m := ShowMain(a.NewWindow(""), i18n.English, sampleBackend(), now)
	if len(m.keysBox.Objects) != 0 {
		t.Errorf("a keys section for a backend without KeyFiles: %s", uitest.Texts(m.keysBox))
	}
}

// pfxBackend is keyBackend whose .pfx files need their password once to
// be added, as PKCS#12 files do.
type pfxBackend struct {
	*keyBackend
	password  string
	passwords [][]byte // the slices handed over, to see that they are wiped
	plain     []string // paths added without a password
}

func (p *pfxBackend) NeedsPasswordToAdd(path string) bool { return strings.HasSuffix(path, ".pfx") }
func (p *pfxBackend) AddKeyFile(path string) error {
	p.plain = append(p.plain, path)
	return p.keyBackend.AddKeyFile(path)
}
func (p *pfxBackend) AddKeyFileWithPassword(path string, password []byte) error {
	p.passwords = append(p.passwords, password)
	if string(password) != p.password {
		return fmt.Errorf("opening %s: %w", path, ErrWrongPassword)
	}
	p.added = append(p.added, path)
	p.keys = append(p.keys, KeyFileView{ID: "pfx", Name: "petrov", Path: path, Kind: KeyKindPKCS12, Added: true,
		Certificate: &wire.Cert{Owner: "Петров Иван", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)}})
	return nil
}

// TestMainKeyFilePassword: adding a PKCS#12 file opens Zavera's own
// password window; a wrong password says so there and adds nothing, the
// right one adds the key, listed with its certificate, and the password
// handed over is wiped; Cancel adds nothing. A container folder still
// adds without a password.
func TestMainKeyFilePassword(t *testing.T) {
	a := test.NewTempApp(t)
	b := &pfxBackend{keyBackend: &keyBackend{fakeBackend: sampleBackend()}, password: "пароль 3"}
	m := ShowMain(a.NewWindow(""), i18n.Russian, b, now)

	m.AddKeyFile("/home/user/petrov.pfx")
	p := m.keyPassword
	if p == nil {
		t.Fatal("no password window for a .pfx file")
	}
	if len(b.added) != 0 || len(b.plain) != 0 {
		t.Fatalf("added before the password: %v %v", b.added, b.plain)
	}
	texts := uitest.Texts(p.w.Content())
	for _, want := range []string{"Пароль ключа (petrov.pfx)", "/home/user/petrov.pfx", "не сохранит пароль"} {
		if !strings.Contains(texts, want) {
			t.Errorf("password window lacks %q:\n%s", want, texts)
		}
	}
	if p.wrong.Visible() {
		t.Error("«wrong password» shown before any password")
	}
	if !p.pin.Password {
		t.Error("the field shows what is typed")
	}

	test.Type(p.pin, "неверный")
	test.Tap(p.add)
	if !p.wrong.Visible() || p.wrong.Text != "Неверный пароль." {
		t.Errorf("a wrong password is not said: visible %v %q", p.wrong.Visible(), p.wrong.Text)
	}
	if len(b.added) != 0 || m.keyPassword != p || p.pin.Text != "" {
		t.Fatalf("after a wrong password: added %v, window %v, field %q", b.added, m.keyPassword, p.pin.Text)
	}
	if strings.Contains(uitest.Texts(m.keysBox), "petrov") {
		t.Error("the key is listed after a wrong password")
	}

	test.Type(p.pin, "пароль 3")
	p.pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(b.added) != 1 || b.added[0] != "/home/user/petrov.pfx" || m.keyPassword != nil {
		t.Fatalf("after the right password: added %v, window %v", b.added, m.keyPassword)
	}
	if got := uitest.Texts(m.keysBox); !strings.Contains(got, "petrov — файл PKCS#12") || !strings.Contains(got, "Петров Иван") {
		t.Errorf("the added key is not listed with its certificate:\n%s", got)
	}
	if len(b.passwords) != 2 {
		t.Fatalf("passwords handed over: %d", len(b.passwords))
	}
	for i, pw := range b.passwords {
		if len(pw) == 0 || strings.Trim(string(pw), "\x00") != "" {
			t.Errorf("password %d not wiped: %q", i, pw)
		}
	}

	// Cancel adds nothing; Escape in the field cancels too.
	m.AddKeyFile("/home/user/sidorov.pfx")
	p = m.keyPassword
	test.Type(p.pin, "пароль 3")
	test.Tap(p.cncl)
	if m.keyPassword != nil {
		t.Fatal("Cancel left the password window open")
	}
	m.AddKeyFile("/home/user/sidorov.pfx")
	p2 := m.keyPassword
	p2.pin.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if len(b.added) != 1 || m.keyPassword != nil || len(b.passwords) != 2 || p.pin.Text != "" {
		t.Fatalf("after Cancel: added %v, window %v, %d passwords", b.added, m.keyPassword, len(b.passwords))
	}

	// A container folder needs no password.
	m.AddKeyFile("/media/user/NEW/ivanov.000/header.key")
	if len(b.plain) != 1 || b.plain[0] != "/media/user/NEW/ivanov.000" || m.keyPassword != nil {
		t.Fatalf("container: plain %v, window %v", b.plain, m.keyPassword)
	}
}
