package ui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/ui/i18n"
)

// KeyMover is what a KeyFiles backend implements to offer «Перенести на
// токен» / "Move to a token" on a software key: the key and its
// certificate are written onto a PKCS#11 token, from which the key
// cannot be read back. The window shows the certificate and the tokens,
// asks the key's password and the token's PIN in one window of its own,
// and the press on «Перенести» is the user's confirmation. The window
// never opens a key or a token itself.
type KeyMover interface {
	// MoveTargets lists the tokens present that take GOST keys.
	MoveTargets() ([]MoveTarget, error)
	// MoveKey opens the key with the ID with password and writes it
	// with its certificate onto the token tokenID, logging in with pin
	// (nil for a token with a PIN pad). The caller wipes password and
	// pin after the call; the backend keeps no copy. A wrong password
	// wraps ErrWrongPassword, a wrong PIN ErrWrongPIN, a token without
	// GOST keys ErrNoGOSTToken, a key already there ErrKeyOnToken; in
	// each case nothing is written.
	MoveKey(keyID, tokenID string, password, pin []byte) error
}

// MoveTarget is a token a key can move to.
type MoveTarget struct {
	ID, Label, Description string
	// PINPad: the PIN is typed on the reader, not in the window.
	PINPad bool
}

// Errors of KeyMover.MoveKey that the window tells apart.
var (
	ErrWrongPIN    = errors.New("ui: wrong PIN")
	ErrNoGOSTToken = errors.New("ui: the token does not take GOST keys")
	ErrKeyOnToken  = errors.New("ui: the key is already on the token")
)

// KeyMove is the window that moves a software key onto a token.
type KeyMove struct {
	w        fyne.Window
	m        *Main
	mv       KeyMover
	key      KeyFileView
	targets  []MoveTarget
	token    *widget.Select
	password *pinEntry
	pin      *pinEntry
	problem  *widget.Label
	move     *widget.Button
	cncl     *widget.Button
	done     bool
}

// askMoveKey opens the move window for k.
func (m *Main) askMoveKey(mv KeyMover, k KeyFileView) {
	if m.keyMove != nil {
		m.keyMove.Cancel()
	}
	l := m.lang
	p := &KeyMove{m: m, mv: mv, key: k}
	p.w = fyne.CurrentApp().NewWindow(l.T(i18n.MoveKeyTitle))
	p.problem = &widget.Label{Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	p.problem.Hide()
	targets, err := mv.MoveTargets()
	p.targets = targets
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = clean(t.Label, maxNameCols)
		if t.Description != "" {
			names[i] += " — " + clean(t.Description, maxNameCols)
		}
	}
	p.token = widget.NewSelect(names, func(string) { p.refreshPIN() })
	p.password = newPINEntry(l.T(i18n.PasswordPlaceholder), p.Confirm, p.Cancel)
	p.pin = newPINEntry(l.T(i18n.PINPlaceholder), p.Confirm, p.Cancel)
	p.cncl = widget.NewButtonWithIcon(l.T(i18n.Cancel), theme.CancelIcon(), p.Cancel)
	p.move = widget.NewButtonWithIcon(l.T(i18n.MoveKeyConfirm), theme.UploadIcon(), p.Confirm)
	p.move.Importance = widget.HighImportance
	switch {
	case err != nil:
		p.say(l.T(i18n.MoveKeyFailed, err))
		p.move.Disable()
	case len(targets) == 0:
		p.say(l.T(i18n.MoveKeyNoTokens))
		p.move.Disable()
	default:
		p.token.SetSelectedIndex(0)
	}
	box := container.NewVBox(
		&widget.Label{Text: clean(k.Name, maxNameCols), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapBreak},
		&widget.Label{Text: clean(k.Path, maxDescriptionCols), Wrapping: fyne.TextWrapBreak, SizeName: theme.SizeNameCaptionText},
		certCard(l, k.Certificate, m.now),
		widget.NewLabel(l.T(i18n.MoveKeyToken)), p.token,
		&widget.Label{Text: l.T(i18n.MoveKeyWarning), Wrapping: fyne.TextWrapWord})
	if k.PasswordNeeded {
		box.Add(widget.NewLabel(fmt.Sprintf("%s (%s)", l.T(i18n.PasswordLabel), clean(k.Name, maxNameCols))))
		box.Add(p.password)
	}
	box.Add(widget.NewLabel(l.T(i18n.PINLabel)))
	box.Add(p.pin)
	box.Add(p.problem)
	box.Add(container.NewHBox(p.cncl, layout.NewSpacer(), p.move))
	p.w.SetContent(container.NewPadded(container.NewVScroll(box)))
	p.w.SetCloseIntercept(p.Cancel)
	p.w.Resize(fyne.NewSize(520, 560))
	if k.PasswordNeeded {
		p.w.Canvas().Focus(p.password)
	} else {
		p.w.Canvas().Focus(p.pin)
	}
	m.keyMove = p
	p.w.Show()
}

// refreshPIN hides the PIN field for a token with a PIN pad.
func (p *KeyMove) refreshPIN() {
	if t, ok := p.target(); ok && t.PINPad {
		p.pin.Hide()
	} else {
		p.pin.Show()
	}
}

func (p *KeyMove) target() (MoveTarget, bool) {
	i := p.token.SelectedIndex()
	if i < 0 || i >= len(p.targets) {
		return MoveTarget{}, false
	}
	return p.targets[i], true
}

func (p *KeyMove) say(text string) {
	p.problem.SetText(text)
	p.problem.Show()
}

// Confirm moves the key onto the chosen token with the typed password
// and PIN, which are wiped after the call. A wrong password or PIN keeps
// the window open and says so; a token that refuses GOST keys or has
// the key already too (another token may be chosen); success and other
// failures close it and are told in the keys section.
func (p *KeyMove) Confirm() {
	if p.done {
		return
	}
	t, ok := p.target()
	if !ok {
		return
	}
	l := p.m.lang
	pw := p.password.take()
	var pin []byte
	if !t.PINPad {
		pin = p.pin.take()
	}
	err := p.mv.MoveKey(p.key.ID, t.ID, pw, pin)
	clear(pw)
	clear(pin)
	switch {
	case errors.Is(err, ErrWrongPassword):
		p.say(l.T(i18n.PasswordWrong))
		p.w.Canvas().Focus(p.password)
		return
	case errors.Is(err, ErrWrongPIN):
		p.say(l.T(i18n.PINWrong))
		p.w.Canvas().Focus(p.pin)
		return
	case errors.Is(err, ErrNoGOSTToken):
		p.say(l.T(i18n.MoveKeyNoGOST))
		return
	case errors.Is(err, ErrKeyOnToken):
		p.say(l.T(i18n.MoveKeyAlready))
		return
	}
	p.close()
	p.m.keyErr = nil
	p.m.keyNotice, p.m.keyNoticeFailed = l.T(i18n.MoveKeyDone, p.key.Name, t.Label), false
	if err != nil {
		p.m.keyNotice, p.m.keyNoticeFailed = l.T(i18n.MoveKeyFailed, err), true
	}
	p.m.refreshKeyFiles()
}

// Cancel closes the window and writes nothing.
func (p *KeyMove) Cancel() {
	if p.done {
		return
	}
	p.password.clear()
	p.pin.clear()
	p.close()
}

func (p *KeyMove) close() {
	p.done = true
	if p.m.keyMove == p {
		p.m.keyMove = nil
	}
	p.w.Close()
}
