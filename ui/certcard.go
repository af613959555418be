package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// certCard shows a certificate as its owner recognises it, with a warning
// when it is not valid at now or ends within ExpiryWarning.
func certCard(l i18n.Lang, c *wire.Cert, now time.Time) fyne.CanvasObject {
	if c == nil {
		return widget.NewLabel(l.T(i18n.CertUnknown))
	}
	grid := container.New(layout.NewFormLayout())
	row := func(k i18n.Key, v string) {
		// The fields come from the token: cleaned like page text.
		if v = clean(v, maxNameCols*2); v == "" {
			return
		}
		val := &widget.Label{Text: v, Wrapping: fyne.TextWrapWord}
		grid.Add(&widget.Label{Text: l.T(k), TextStyle: fyne.TextStyle{Italic: true}})
		grid.Add(val)
	}
	row(i18n.CertOwner, c.Owner)
	row(i18n.CertPosition, c.Position)
	row(i18n.CertOrganization, c.Organization)
	row(i18n.CertINN, c.INN)
	row(i18n.CertINNLE, c.INNLE)
	row(i18n.CertOGRN, c.OGRN)
	row(i18n.CertSNILS, c.SNILS)
	row(i18n.CertPeriod, l.T(i18n.CertValidity, dateText(l, c.NotBefore), dateText(l, c.NotAfter)))
	key := c.Key
	if c.Qualified {
		key += ", " + l.T(i18n.CertQualified)
	}
	row(i18n.CertKey, key)
	row(i18n.CertToken, c.Token)
	if w := certWarning(l, c, now); w != "" {
		return container.NewVBox(grid, &widget.Label{Text: w, Importance: widget.DangerImportance, TextStyle: fyne.TextStyle{Bold: true}})
	}
	return grid
}

// certWarning says when c is not valid at now or ends within
// ExpiryWarning, and is "" otherwise.
func certWarning(l i18n.Lang, c *wire.Cert, now time.Time) string {
	switch {
	case now.Before(c.NotBefore) || now.After(c.NotAfter):
		return l.T(i18n.CertNotValid)
	case c.NotAfter.Sub(now) <= ExpiryWarning:
		return l.N(i18n.CertExpiresSoon, daysLeft(now, c.NotAfter))
	}
	return ""
}
