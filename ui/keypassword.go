package ui

import (
	"errors"
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/ui/i18n"
)

// KeyFilePasswords is what a KeyFiles backend implements when some key
// files need their password once to be added: a PKCS#12 file keeps its
// certificate encrypted with the key, so the certificate is copied out
// when the file is added. The window asks the password in a window of
// its own, with the same field as the PIN; the backend opens the file,
// keeps the certificate and forgets the password. Without it, the window
// hands every path to AddKeyFile.
type KeyFilePasswords interface {
	// NeedsPasswordToAdd tells whether adding the key at path asks its
	// password.
	NeedsPasswordToAdd(path string) bool
	// AddKeyFileWithPassword opens the key at path with password, keeps
	// its certificate and remembers the key. The caller wipes password
	// after the call; the backend keeps no copy. A password that does not
	// open the file is an error wrapping ErrWrongPassword, and nothing is
	// added.
	AddKeyFileWithPassword(path string, password []byte) error
}

// ErrWrongPassword is what AddKeyFileWithPassword wraps when the password
// does not open the key file: the window says so and asks again.
var ErrWrongPassword = errors.New("ui: wrong password")

// KeyPassword is the window that asks a key file's password once, to add
// the file.
type KeyPassword struct {
	w     fyne.Window
	m     *Main
	kp    KeyFilePasswords
	path  string
	pin   *pinEntry
	wrong *widget.Label
	add   *widget.Button
	cncl  *widget.Button
	done  bool
}

// askKeyPassword opens the password window for adding path.
func (m *Main) askKeyPassword(kp KeyFilePasswords, path string) {
	if m.keyPassword != nil {
		m.keyPassword.Cancel()
	}
	l := m.lang
	p := &KeyPassword{m: m, kp: kp, path: path}
	p.w = fyne.CurrentApp().NewWindow(l.T(i18n.KeyPasswordTitle))
	p.pin = newPINEntry(l.T(i18n.PasswordPlaceholder), p.Confirm, p.Cancel)
	p.wrong = &widget.Label{Text: l.T(i18n.PasswordWrong), Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}}
	p.wrong.Hide()
	p.cncl = widget.NewButtonWithIcon(l.T(i18n.Cancel), theme.CancelIcon(), p.Cancel)
	p.add = widget.NewButtonWithIcon(l.T(i18n.KeyPasswordAdd), theme.ConfirmIcon(), p.Confirm)
	p.add.Importance = widget.HighImportance
	name := &widget.Label{Text: clean(filepath.Base(path), maxNameCols), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapBreak}
	p.w.SetContent(container.NewPadded(container.NewVBox(
		name,
		&widget.Label{Text: clean(path, maxDescriptionCols), Wrapping: fyne.TextWrapBreak, SizeName: theme.SizeNameCaptionText},
		&widget.Label{Text: l.T(i18n.KeyPasswordAsks), Wrapping: fyne.TextWrapWord},
		widget.NewLabel(fmt.Sprintf("%s (%s)", l.T(i18n.PasswordLabel), clean(filepath.Base(path), maxNameCols))),
		p.pin, p.wrong,
		container.NewHBox(p.cncl, layout.NewSpacer(), p.add))))
	p.w.SetCloseIntercept(p.Cancel)
	p.w.Resize(fyne.NewSize(480, 300))
	p.w.Canvas().Focus(p.pin)
	m.keyPassword = p
	p.w.Show()
}

// Confirm hands the typed password to the backend and clears the field.
// A wrong password keeps the window open with «Неверный пароль.»; any
// other answer closes it and is shown in the keys section.
func (p *KeyPassword) Confirm() {
	if p.done {
		return
	}
	pw := p.pin.take()
	err := p.kp.AddKeyFileWithPassword(p.path, pw)
	clear(pw)
	if errors.Is(err, ErrWrongPassword) {
		p.wrong.Show()
		p.w.Canvas().Focus(p.pin)
		return
	}
	p.close()
	p.m.keyErr = err
	p.m.refreshKeyFiles()
}

// Cancel closes the window and adds nothing.
func (p *KeyPassword) Cancel() {
	if p.done {
		return
	}
	p.pin.clear()
	p.close()
}

func (p *KeyPassword) close() {
	p.done = true
	if p.m.keyPassword == p {
		p.m.keyPassword = nil
	}
	p.w.Close()
}
