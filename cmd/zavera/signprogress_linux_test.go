package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/pkcs11"
)

// signLargeFile signs a 24 MiB file with stderr going to errTo, and
// returns the exit code.
func signLargeFile(t *testing.T, l *tokenLab, errTo *os.File) int {
	t.Helper()
	doc := filepath.Join(t.TempDir(), "чертежи.bin")
	data := make([]byte, 24<<20)
	rand.Read(data)
	if err := os.WriteFile(doc, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	args := append(l.modules(), "--cert", pkcs11.CertificateID(l.g256.CertDER), "--pin-file", l.pinFile, doc)
	code := runSign(args, strings.NewReader(""), &out, errTo)
	if code == 0 && !strings.Contains(out.String(), "signed") {
		t.Fatalf("output %q", out.String())
	}
	return code
}

// uiLanguage sets the language the command finds: no UI setting (a
// configuration folder of the test's own), and the system's.
func uiLanguage(t *testing.T, lang string) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", lang)
}

// On a terminal, a large file gets a bar with its share, per cent and
// rate, in the UI's language, up to 100%.
func TestSignProgressOnTerminal(t *testing.T) {
	l := newTokenLab(t, 10)
	for _, c := range []struct{ lang, rate string }{{"ru_RU.UTF-8", " МБ/с"}, {"en_US.UTF-8", " MB/s"}} {
		t.Run(c.lang, func(t *testing.T) {
			uiLanguage(t, c.lang)
			master, slave := openPTY(t)
			got := make(chan []byte, 1)
			go func() {
				b, _ := io.ReadAll(master) // ends with EIO once the slave is closed
				got <- b
			}()
			code := signLargeFile(t, l, slave)
			slave.Close()
			screen := string(<-got)
			master.Close()
			if code != 0 {
				t.Fatalf("exit %d: %q", code, screen)
			}
			full := "[" + strings.Repeat("#", barWidth) + "] 100%"
			if !strings.Contains(screen, full) || !strings.Contains(screen, c.rate) || !strings.Contains(screen, "чертежи.bin") ||
				!strings.Contains(screen, "\r\x1b[K") || !strings.Contains(screen, "["+strings.Repeat(".", barWidth)+"]   0%") {
				t.Fatalf("the terminal shows %q, want the bar from 0%% to %q with %q", screen, full, c.rate)
			}
		})
	}
}

// Into a pipe, nothing but the command's messages: no bar, no escapes.
func TestSignProgressNotPiped(t *testing.T) {
	l := newTokenLab(t, 10)
	uiLanguage(t, "ru_RU.UTF-8")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		got <- b
	}()
	code := signLargeFile(t, l, w)
	w.Close()
	errOut := string(<-got)
	r.Close()
	if code != 0 {
		t.Fatalf("exit %d: %q", code, errOut)
	}
	if strings.Contains(errOut, "%") || strings.Contains(errOut, "\x1b") || strings.Contains(errOut, "МБ/с") {
		t.Fatalf("a bar went into the pipe: %q", errOut)
	}
}
