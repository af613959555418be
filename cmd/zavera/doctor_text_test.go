package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/zavera/zavera/ui/i18n"
)

// Every problem the doctor can report has a Russian text with the same
// verbs in the same order, so that a new message cannot ship untranslated.
func TestDoctorProblemsAreTranslated(t *testing.T) {
	src, err := os.ReadFile("doctor.go")
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`problem\("((?:[^"\\]|\\.)*)"`).FindAllSubmatch(src, -1)
	if len(calls) < 10 {
		t.Fatalf("found only %d problem texts in doctor.go", len(calls))
	}
	verbs := regexp.MustCompile(`%[a-z]`)
	for _, m := range calls {
		en := strings.ReplaceAll(string(m[1]), `\"`, `"`)
		ru, ok := doctorRussian[en]
		if !ok {
			t.Errorf("no Russian text for %q", en)
			continue
		}
		if a, b := strings.Join(verbs.FindAllString(en, -1), ""), strings.Join(verbs.FindAllString(ru, -1), ""); a != b {
			t.Errorf("%q: verbs %s in English, %s in Russian", en, a, b)
		}
	}
	if len(doctorRussian) != len(calls) {
		t.Errorf("%d Russian texts for %d problems: remove the ones no longer used", len(doctorRussian), len(calls))
	}
	if got := doctorProblem(i18n.Russian, "no token found: insert the token"); got != "токен не найден: вставьте токен" {
		t.Errorf("Russian: %q", got)
	}
	if got := doctorProblem(i18n.English, "Zavera does not answer on port %d: %s", 27413, "refused"); got != "Zavera does not answer on port 27413: refused" {
		t.Errorf("English: %q", got)
	}
}
