package ui

import (
	"time"

	"github.com/zavera/zavera/ui/i18n"
)

// sizeText writes a file size the way the language does.
func sizeText(l i18n.Lang, n int64) string {
	switch {
	case n >= 1<<20:
		return l.T(i18n.SizeMB, float64(n)/(1<<20))
	case n >= 1<<10:
		return l.T(i18n.SizeKB, float64(n)/(1<<10))
	default:
		return l.T(i18n.SizeBytes, n)
	}
}

// dateText writes a date as the language does: 15.04.2027 or 2027-04-15.
func dateText(l i18n.Lang, t time.Time) string {
	if l == i18n.Russian {
		return t.Local().Format("02.01.2006")
	}
	return t.Local().Format("2006-01-02")
}

// daysLeft returns the whole days from now until t, rounded up.
func daysLeft(now, t time.Time) int {
	d := t.Sub(now)
	days := int(d / (24 * time.Hour))
	if d%(24*time.Hour) > 0 {
		days++
	}
	return days
}

// ExpiryWarning is how long before a certificate's end Zavera warns.
const ExpiryWarning = 30 * 24 * time.Hour
