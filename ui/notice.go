package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// notice builds a message window with a Close button.
func (p *Prompt) notice() fyne.CanvasObject {
	l := p.lang
	p.w.SetTitle(withOrigin(l.T(i18n.NoticeTitle), p.req.Origin))
	var parts []fyne.CanvasObject
	if p.req.Origin != "" {
		parts = append(parts, &widget.Label{Text: clean(p.req.Origin, maxDescriptionCols), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapBreak})
	}
	msg := widget.NewLabel(clean(p.req.Message, maxDescriptionCols))
	msg.Wrapping = fyne.TextWrapWord
	closeB := widget.NewButton(l.T(i18n.Close), func() { p.finish(wire.Dismissed, nil) })
	p.primary = closeB
	parts = append(parts, container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, msg), layout.NewSpacer(),
		container.NewHBox(layout.NewSpacer(), closeB))
	p.w.Resize(fyne.NewSize(440, 180))
	return container.NewPadded(container.NewVBox(parts...))
}
