package ui

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// ErrUnknownKind is a request for a window this package does not have.
var ErrUnknownKind = errors.New("ui: unknown request kind")

// Result is what the user chose. PIN is set only with wire.Confirm when
// the window had a PIN field; the receiver wipes it.
type Result struct {
	Answer wire.Answer
	PIN    []byte
}

// Prompt is a window showing one request until the user answers.
type Prompt struct {
	w    fyne.Window
	lang i18n.Lang
	req  *wire.Request
	now  time.Time
	done func(Result)
	over bool
	// closed is set once the window is gone.
	closed bool

	// Parts that tests and the keyboard reach.
	pin      *pinEntry
	primary  fyne.Tappable // sign, or close for a notice
	cancel   fyne.Tappable
	once     fyne.Tappable // pairing: allow once
	always   fyne.Tappable // pairing: always allow
	tries    string        // the tries-left text shown, "" when none
	padShown bool
	fileList *widget.List // a batch's documents, nil when listed in full
}

// Show fills w with the window for req and shows it; done gets the
// user's answer once. now is the time certificates are checked against.
func Show(w fyne.Window, lang i18n.Lang, req *wire.Request, now time.Time, done func(Result)) (*Prompt, error) {
	p := &Prompt{w: w, lang: lang, req: req, now: now, done: done}
	var content fyne.CanvasObject
	switch req.Kind {
	case wire.KindPair:
		content = p.pairing()
	case wire.KindSign, wire.KindPIN:
		content = p.signing()
	case wire.KindNotice:
		content = p.notice()
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownKind, req.Kind)
	}
	w.SetContent(content)
	w.SetCloseIntercept(p.refuse)
	w.SetOnClosed(func() {
		p.closed = true
		p.refuse()
	})
	w.Canvas().SetOnTypedKey(p.typedKey)
	if p.pin != nil {
		w.Canvas().Focus(p.pin)
	}
	w.Show()
	return p, nil
}

// typedKey handles keys when nothing has the focus.
func (p *Prompt) typedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		p.refuse()
	case fyne.KeyReturn, fyne.KeyEnter:
		// Enter never approves a site: pairing wants a deliberate click.
		if p.req.Kind != wire.KindPair && p.primary != nil {
			p.primary.Tapped(&fyne.PointEvent{})
		}
	}
}

func (p *Prompt) refuse() {
	if p.req.Kind == wire.KindNotice {
		p.finish(wire.Dismissed, nil)
		return
	}
	p.finish(wire.Refuse, nil)
}

// confirm reports Confirm with the PIN typed, if any.
func (p *Prompt) confirm() {
	var pin []byte
	if p.pin != nil && !p.padShown {
		pin = p.pin.take()
	}
	p.finish(wire.Confirm, pin)
}

// finish reports the answer once and closes the window.
func (p *Prompt) finish(a wire.Answer, pin []byte) {
	if p.over {
		wipe(pin)
		return
	}
	p.over = true
	if p.pin != nil {
		p.pin.clear()
	}
	p.done(Result{Answer: a, PIN: pin})
	if !p.closed {
		p.closed = true
		p.w.Close()
	}
}

// Answered reports whether the user has answered.
func (p *Prompt) Answered() bool { return p.over }

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// Window returns the prompt's window.
func (p *Prompt) Window() fyne.Window { return p.w }

// PINField returns the PIN field, or nil when the window has none.
func (p *Prompt) PINField() fyne.Focusable {
	if p.pin == nil {
		return nil
	}
	return p.pin
}

// Button returns the button that answers a, or nil: Approve and
// ApproveAlways in the pairing window, Confirm in the signing window,
// Refuse in both, Dismissed in a notice.
func (p *Prompt) Button(a wire.Answer) fyne.Tappable {
	switch {
	case a == wire.Approve:
		return p.once
	case a == wire.ApproveAlways:
		return p.always
	case a == wire.Refuse:
		return p.cancel
	case a == wire.Confirm && p.req.Kind != wire.KindNotice, a == wire.Dismissed && p.req.Kind == wire.KindNotice:
		return p.primary
	}
	return nil
}
