package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// pinEntry is a password field where Enter confirms and Escape refuses
// (a focused field gets the keys, so the window's own handler would not
// see them).
type pinEntry struct {
	widget.Entry
	onEscape func()
}

func newPINEntry(placeholder string, onEnter, onEscape func()) *pinEntry {
	e := &pinEntry{onEscape: onEscape}
	e.Password = true
	e.PlaceHolder = placeholder
	e.OnSubmitted = func(string) { onEnter() }
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey implements fyne.Focusable.
func (e *pinEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// take returns the PIN as bytes and clears the field.
func (e *pinEntry) take() []byte {
	b := []byte(e.Text)
	e.clear()
	return b
}

func (e *pinEntry) clear() {
	if e.Text != "" {
		e.SetText("")
	}
}
