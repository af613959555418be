package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/pkcs11"
	"github.com/zavera/zavera/ui/i18n"
)

// labVendorModes puts the lab's GOST token into vendors' modes and gives
// it a second key pair with the CKA_ID of g256.
func labVendorModes(t *testing.T, l *tokenLab, control string) {
	t.Helper()
	if _, err := provision.GOST(l.gostMod, labGOSTToken, "g256-twin", []byte("g256"), 256, "B", t.TempDir(), osslref.Config(t)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(l.gostDir, "control"), []byte(control), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The doctor explains what it found about the GOST token's driver, in
// JSON, in English and in Russian.
func TestDoctorExplainsTokenDrivers(t *testing.T) {
	t.Setenv("LC_ALL", "C")
	l := newTokenLab(t, 10)
	labVendorModes(t, l, "mechanisms = combined\ncertificates = after_login\npinpad = confirm\nslot_events = 0\n")
	dir := t.TempDir()
	args := append(l.modules(), "--port", "1", "--home", dir, "--root", dir)
	code, out, errOut := runCmd(t, nil, append([]string{"doctor", "--json"}, args...)...)
	var r struct {
		TokenDrivers []struct {
			Label  string
			Quirks pkcs11.Quirks
			Notes  []string
		} `json:"token_drivers"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("exit %d, %v:\n%s\n%s", code, err, out, errOut)
	}
	var found bool
	for _, d := range r.TokenDrivers {
		if d.Label != labGOSTToken {
			continue
		}
		found = true
		want := pkcs11.Quirks{CombinedOnly: true, CertificatesAfterLogin: true, SharedKeyID: true, PINPad: true, NoSlotEvents: true}
		if d.Quirks != want {
			t.Errorf("quirks %+v, want %+v", d.Quirks, want)
		}
		notes := strings.Join(d.Notes, "\n")
		for _, part := range []string{"combined mechanisms only", "certificates after login", "share one CKA_ID", "PIN pad", "no slot events"} {
			if !strings.Contains(notes, part) {
				t.Errorf("no %q in the notes:\n%s", part, notes)
			}
		}
	}
	if !found {
		t.Fatalf("nothing about %q in %s", labGOSTToken, out)
	}

	t.Setenv("LC_ALL", "ru_RU.UTF-8")
	_, text, _ := runCmd(t, nil, append([]string{"doctor"}, args...)...)
	for _, part := range []string{"только совмещённые механизмы", "сертификаты после входа", "ПИН-пад", "один CKA_ID", "нет событий слотов"} {
		if !strings.Contains(text, part) {
			t.Errorf("no %q in the Russian report:\n%s", part, text)
		}
	}
}

// `zavera certs` lists no certificate of a token that shows them only
// after a login; with --login it logs in and lists them.
func TestCertsLoginShowsCertificatesAfterLogin(t *testing.T) {
	l := newTokenLab(t, 10)
	if err := os.WriteFile(filepath.Join(l.gostDir, "control"), []byte("certificates = after_login\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ids := func(args ...string) []string {
		t.Helper()
		code, out, errOut := runCmd(t, nil, append(append([]string{"certs", "--json"}, l.modules()...), args...)...)
		var certs []struct{ ID string }
		if err := json.Unmarshal([]byte(out), &certs); code != 0 || err != nil {
			t.Fatalf("exit %d, %v: %s %s", code, err, out, errOut)
		}
		var s []string
		for _, c := range certs {
			s = append(s, c.ID)
		}
		return s
	}
	g256 := pkcs11.CertificateID(l.g256.CertDER)
	if got := ids(); strings.Contains(strings.Join(got, " "), g256) {
		t.Fatalf("the certificate shows before the login: %v", got)
	}
	if got := ids("--login", "--pin-file", l.pinFile); !strings.Contains(strings.Join(got, " "), g256) {
		t.Fatalf("after --login: %v, want %s among them", got, g256)
	}
}

func TestDriverNotesAreTranslated(t *testing.T) {
	for _, n := range []string{noteCombinedOnly, noteStandardOnly, noteVendorOnly, noteCertsLogin, noteSharedID, noteLoginShared, notePINPad, noteNoSlotEvents} {
		if ru := driverNote(i18n.Russian, n); ru == n || ru == "" {
			t.Errorf("no Russian for %q", n)
		}
	}
}
