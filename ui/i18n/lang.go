// Package i18n holds every text Zavera's windows and tray show, in Russian
// and English, and picks the language from the environment.
//
// # Rules
//
// A text is looked up by its Key; the catalogue (catalog.go) has both
// languages for every key, which a test checks along with the printf
// verbs of each pair. Russian is used when the system language is
// Russian (LC_ALL, then LC_MESSAGES, then LANG, as POSIX orders them; on
// Windows, where these are seldom set, the user's Windows display
// language when none of them is), English otherwise. Counts use the plural forms of each language
// (Russian has three: 1 попытка, 2 попытки, 5 попыток).
//
// The package has no state: a Lang value is all a window needs, and it is
// safe for concurrent use.
package i18n

import (
	"fmt"
	"strings"
)

// Lang is a language Zavera speaks.
type Lang string

// The languages.
const (
	Russian Lang = "ru"
	English Lang = "en"
)

// Parse returns the language named by s ("ru", "en", or a locale such as
// "ru_RU.UTF-8"), and false when Zavera does not speak it.
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "ru" || strings.HasPrefix(s, "ru_") || strings.HasPrefix(s, "ru-") || strings.HasPrefix(s, "ru."):
		return Russian, true
	case s == "en" || strings.HasPrefix(s, "en_") || strings.HasPrefix(s, "en-") || strings.HasPrefix(s, "en."):
		return English, true
	}
	return English, false
}

// Detect returns Russian when the locale getenv describes is Russian and
// English otherwise. The first of LC_ALL, LC_MESSAGES and LANG that is
// set decides, as for the messages of any POSIX program. When none is
// set, Windows' user interface language decides (GetUserDefaultUILanguage:
// Russian Windows gets Russian); elsewhere it is English.
func Detect(getenv func(string) string) Lang {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(name)
		if v == "" {
			continue
		}
		if l, ok := Parse(v); ok && l == Russian {
			return Russian
		}
		return English
	}
	if l, ok := systemLanguage(); ok {
		return l
	}
	return English
}

// T returns the text for k, formatted with args as fmt.Sprintf does.
// An unknown key gives the key itself, so that a missing text shows
// rather than vanishes.
func (l Lang) T(k Key, args ...any) string {
	e, ok := catalog[k]
	if !ok {
		return string(k)
	}
	s := e.en
	if l == Russian {
		s = e.ru
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// N returns the text for k in the plural form that fits n, with n
// formatted into it. Plural entries list their forms separated by "|":
// one and other in English; one, few and many in Russian.
func (l Lang) N(k Key, n int) string {
	e, ok := catalog[k]
	if !ok {
		return fmt.Sprintf("%s(%d)", k, n)
	}
	forms := strings.Split(e.en, "|")
	i := englishForm(n)
	if l == Russian {
		forms = strings.Split(e.ru, "|")
		i = russianForm(n)
	}
	if i >= len(forms) {
		i = len(forms) - 1
	}
	return fmt.Sprintf(forms[i], n)
}

func englishForm(n int) int {
	if n == 1 || n == -1 {
		return 0
	}
	return 1
}

// russianForm picks the form by the CLDR rules for Russian integers.
func russianForm(n int) int {
	if n < 0 {
		n = -n
	}
	switch m10, m100 := n%10, n%100; {
	case m10 == 1 && m100 != 11:
		return 0
	case m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14):
		return 1
	default:
		return 2
	}
}
