package ui

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
