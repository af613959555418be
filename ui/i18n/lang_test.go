package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	// With no variable set the system decides: English, or on Windows the
	// display language (TestWindowsLanguage checks that one).
	none := English
	if l, ok := systemLanguage(); ok {
		none = l
	}
	for _, tc := range []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{}, none},
		{map[string]string{"LANG": "ru_RU.UTF-8"}, Russian},
		{map[string]string{"LANG": "ru_RU.UTF-8", "LC_ALL": "C"}, English},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "ru_RU.UTF-8"}, Russian},
		{map[string]string{"LANG": "ru_RU.UTF-8", "LC_MESSAGES": "de_DE.UTF-8"}, English},
		{map[string]string{"LC_ALL": "ru_UA.UTF-8", "LANG": "en_GB.UTF-8"}, Russian},
		{map[string]string{"LANG": "C.UTF-8"}, English},
		{map[string]string{"LANG": "russian"}, English},
		{map[string]string{"LANG": "ru"}, Russian},
	} {
		got := Detect(func(k string) string { return tc.env[k] })
		if got != tc.want {
			t.Errorf("Detect(%v) = %s, want %s", tc.env, got, tc.want)
		}
	}
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// TestCatalogComplete checks that every text exists in both languages,
// with the same printf verbs in the same order, and the right number of
// plural forms.
func TestCatalogComplete(t *testing.T) {
	plural := map[Key]bool{SignAsksBatch: true, SignPages: true, PINTriesLeft: true, CertExpiresSoon: true,
		JournalCount: true, TrayTokens: true}
	for _, k := range Keys() {
		e := catalog[k]
		if strings.TrimSpace(e.ru) == "" || strings.TrimSpace(e.en) == "" {
			t.Errorf("%s: missing a language: %+v", k, e)
			continue
		}
		if plural[k] {
			ru, en := strings.Split(e.ru, "|"), strings.Split(e.en, "|")
			if len(ru) != 3 || len(en) != 2 {
				t.Errorf("%s: %d Russian and %d English plural forms, want 3 and 2", k, len(ru), len(en))
			}
			for _, f := range append(ru, en...) {
				if got := verb.FindAllString(f, -1); !slices.Equal(got, []string{"%d"}) {
					t.Errorf("%s: form %q has verbs %v, want one %%d", k, f, got)
				}
			}
			continue
		}
		if strings.Contains(e.ru, "|") || strings.Contains(e.en, "|") {
			t.Errorf("%s: plural forms in a plain text", k)
		}
		if ru, en := verb.FindAllString(e.ru, -1), verb.FindAllString(e.en, -1); !slices.Equal(ru, en) {
			t.Errorf("%s: verbs differ: ru %v, en %v", k, ru, en)
		}
		if e.ru == e.en && !strings.HasPrefix(e.ru, "Zavera") && !strings.HasPrefix(e.en, "PIN") {
			t.Errorf("%s: Russian text is the English one: %q", k, e.ru)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n      int
		ru, en string
	}{
		{1, "Осталась 1 попытка до блокировки", "1 try left before the token locks"},
		{2, "Осталось 2 попытки до блокировки", "2 tries left before the token locks"},
		{5, "Осталось 5 попыток до блокировки", "5 tries left before the token locks"},
		{11, "Осталось 11 попыток до блокировки", "11 tries left before the token locks"},
		{21, "Осталась 21 попытка до блокировки", "21 tries left before the token locks"},
		{22, "Осталось 22 попытки до блокировки", "22 tries left before the token locks"},
		{0, "Осталось 0 попыток до блокировки", "0 tries left before the token locks"},
	} {
		if got := Russian.N(PINTriesLeft, tc.n); got != tc.ru {
			t.Errorf("ru %d: %q, want %q", tc.n, got, tc.ru)
		}
		if got := English.N(PINTriesLeft, tc.n); got != tc.en {
			t.Errorf("en %d: %q, want %q", tc.n, got, tc.en)
		}
	}
}

func TestT(t *testing.T) {
	if got := Russian.T(CertValidity, "01.02.2026", "01.02.2027"); got != "с 01.02.2026 по 01.02.2027" {
		t.Errorf("ru: %q", got)
	}
	if got := English.T(SignButton); got != "Sign" {
		t.Errorf("en: %q", got)
	}
	if got := English.T(Key("no.such.key")); got != "no.such.key" {
		t.Errorf("unknown key: %q", got)
	}
}
