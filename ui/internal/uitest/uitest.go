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

// Texts returns every text drawn in o and below it, a line each.
func Texts(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, o := range test.LaidOutObjects(o) {
		switch o := o.(type) {
		case *canvas.Text:
			b.WriteString(o.Text)
			b.WriteByte('\n')
		case *widget.Label:
			b.WriteString(o.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
