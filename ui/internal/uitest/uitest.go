// Package uitest reads what Zavera's windows show, for tests on Fyne's
// headless driver.
package uitest

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Texts returns every text drawn in o and below it, a line each. A
// label's text comes once, whole, even where it is drawn wrapped.
func Texts(o fyne.CanvasObject) string {
	var b strings.Builder
	label := ""
	for _, o := range test.LaidOutObjects(o) {
		switch o := o.(type) {
		case *canvas.Text:
			if o.Text != "" && strings.Contains(label, o.Text) {
				continue // part of the label just written
			}
			b.WriteString(o.Text)
			b.WriteByte('\n')
		case *widget.Label:
			label = o.Text
			b.WriteString(o.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
