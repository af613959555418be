//go:build windows

package i18n

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// uiLangEnv names the language of the Windows user interface the test
// runs under ("ru" or "en"), as whoever set it up knows it: `make
// test-windows` starts Wine with a Russian locale and sets it to "ru".
const uiLangEnv = "ZAVERA_TEST_UI_LANG"

const childEnv = "ZAVERA_TEST_LANG_CHILD"

// TestDetectedLanguageChild prints what Detect finds in the child's own
// environment; it is a part of TestWindowsLanguage, not a test of its
// own.
func TestDetectedLanguageChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("runs only as the child of TestWindowsLanguage")
	}
	os.Stdout.WriteString("lang=" + string(Detect(os.Getenv)) + "\n")
}

// TestWindowsLanguage starts a process without LC_ALL, LC_MESSAGES and
// LANG, as programs start on Windows: its language must be that of the
// Windows user interface. With LANG set, LANG still decides.
func TestWindowsLanguage(t *testing.T) {
	want := os.Getenv(uiLangEnv)
	if want == "" {
		t.Skip(uiLangEnv + " does not say the Windows display language")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(extra ...string) string {
		t.Helper()
		cmd := exec.Command(exe, "-test.run=^TestDetectedLanguageChild$", "-test.count=1")
		for _, e := range os.Environ() {
			if name, _, _ := strings.Cut(e, "="); name != "LC_ALL" && name != "LC_MESSAGES" && name != "LANG" {
				cmd.Env = append(cmd.Env, e)
			}
		}
		cmd.Env = append(cmd.Env, childEnv+"=1")
		cmd.Env = append(cmd.Env, extra...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		line, _, _ := strings.Cut(string(out), "\n")
		return strings.TrimPrefix(line, "lang=")
	}
	if got := run(); got != want {
		t.Errorf("language without the POSIX variables: %q, want the Windows display language %q", got, want)
	}
	other := "en_US.UTF-8"
	if want == "en" {
		other = "ru_RU.UTF-8"
	}
	if got, _ := Parse(other); run("LANG="+other) != string(got) {
		t.Errorf("LANG=%s did not decide", other)
	}
}
