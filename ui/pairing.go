package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/internal/displaytext"
	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// pairing builds the window that asks whether a new site may use the
// agent: the origin in large type, the code the page shows, and the three
// choices. Nothing has the focus, so that Enter approves nothing.
func (p *Prompt) pairing() fyne.CanvasObject {
	l := p.lang
	p.w.SetTitle(withOrigin(l.T(i18n.PairTitle), p.req.Origin))
	heading := widget.NewLabel(l.T(i18n.PairHeading))
	heading.Wrapping = fyne.TextWrapWord
	origin := &widget.Label{Text: displaytext.Line(p.req.Origin), TextStyle: fyne.TextStyle{Bold: true},
		SizeName: theme.SizeNameHeadingText, Wrapping: fyne.TextWrapBreak}
	codeLabel := widget.NewLabel(l.T(i18n.PairCode))
	code := &widget.Label{Text: clean(p.req.PairingCode, 32), TextStyle: fyne.TextStyle{Monospace: true},
		SizeName: theme.SizeNameHeadingText, Alignment: fyne.TextAlignCenter}
	hint := widget.NewLabel(l.T(i18n.PairHint))
	hint.Wrapping = fyne.TextWrapWord
	refuse := widget.NewButtonWithIcon(l.T(i18n.PairRefuse), theme.CancelIcon(), func() { p.finish(wire.Refuse, nil) })
	once := widget.NewButton(l.T(i18n.PairOnce), func() { p.finish(wire.Approve, nil) })
	always := widget.NewButtonWithIcon(l.T(i18n.PairAlways), theme.ConfirmIcon(), func() { p.finish(wire.ApproveAlways, nil) })
	always.Importance = widget.HighImportance
	p.cancel, p.once, p.always = refuse, once, always
	p.w.Resize(fyne.NewSize(520, 300))
	return container.NewPadded(container.NewVBox(
		heading,
		origin,
		widget.NewSeparator(),
		codeLabel,
		code,
		hint,
		layout.NewSpacer(),
		container.NewHBox(refuse, layout.NewSpacer(), once, always),
	))
}
