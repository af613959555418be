package installer

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// signedOK runs osslsigncode verify against the test CA.
func signedOK(t *testing.T, ca, file string) (bool, string) {
	t.Helper()
	out, err := exec.Command("osslsigncode", "verify", "-CAfile", ca, "-in", file).CombinedOutput()
	return err == nil && strings.Contains(string(out), "Signature verification: ok"), string(out)
}

// The Windows installer built by makensis from installer/windows, around
// a stand-in executable signed by sign.sh with a test certificate: the
// executable and the installer pass osslsigncode verify, and a changed
// byte fails it.
func TestWindowsInstallerBuildsSigned(t *testing.T) {
	root := osslref.Root(t)
	dir := t.TempDir()
	win := filepath.Join(root, "installer", "windows")
	if out, err := exec.Command(filepath.Join(win, "make-test-cert.sh"), dir).CombinedOutput(); err != nil {
		t.Fatalf("test certificate: %v\n%s", err, out)
	}
	exe := filepath.Join(dir, "zavera.exe")
	build := exec.Command("go", "build", "-o", exe, "./installer/testdata/winstub")
	build.Dir = root
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "ZAVERA_TEST_SIGN_DIR="+dir, "ZAVERA_SIGN_PFX=")
	sign := exec.Command(filepath.Join(win, "sign.sh"), exe)
	sign.Env = env
	if out, err := sign.CombinedOutput(); err != nil {
		t.Fatalf("sign: %v\n%s", err, out)
	}
	setup := filepath.Join(dir, "zavera-0.0.1-setup.exe")
	nsis := exec.Command("makensis", "-V2", "-DEXE="+exe, "-DVERSION=0.0.1", "-DOUTFILE="+setup,
		"-DSIGN="+filepath.Join(win, "sign.sh"), filepath.Join(win, "zavera.nsi"))
	nsis.Env = env
	if out, err := nsis.CombinedOutput(); err != nil {
		t.Fatalf("makensis: %v\n%s", err, out)
	}
	ca := filepath.Join(dir, "test-ca.pem")
	for _, f := range []string{exe, setup} {
		if ok, out := signedOK(t, ca, f); !ok {
			t.Errorf("%s: %s", filepath.Base(f), out)
		}
	}
	data, err := os.ReadFile(setup)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x55
	bad := filepath.Join(dir, "changed.exe")
	os.WriteFile(bad, data, 0o644)
	if ok, out := signedOK(t, ca, bad); ok {
		t.Errorf("a changed installer passes:\n%s", out)
	}
	// Another CA does not make it pass either.
	other := filepath.Join(dir, "other.pem")
	os.WriteFile(other, otherCA(t), 0o644)
	if ok, _ := signedOK(t, other, setup); ok {
		t.Error("the installer passes under an unrelated CA")
	}
}

// nsisSections splits the script into the install part and the
// uninstall section, with ${DEFINE}s replaced.
func nsisSections(t *testing.T) (install, uninstall []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(osslref.Root(t), "installer", "windows", "zavera.nsi"))
	if err != nil {
		t.Fatal(err)
	}
	defines := map[string]string{}
	defRE := regexp.MustCompile(`^!define (\w+) "([^"]*)"`)
	inUninstall := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if m := defRE.FindStringSubmatch(line); m != nil {
			defines[m[1]] = m[2]
		}
		for k, v := range defines {
			line = strings.ReplaceAll(line, "${"+k+"}", v)
		}
		switch {
		case line == "" || strings.HasPrefix(line, ";"):
			continue
		case strings.HasPrefix(line, `Section "Uninstall"`):
			inUninstall = true
		case line == "SectionEnd" && inUninstall:
			inUninstall = false
		case inUninstall:
			uninstall = append(uninstall, line)
		default:
			install = append(install, line)
		}
	}
	return install, uninstall
}

// Everything the installer writes, the uninstaller removes: registry
// keys and values, files, the shortcut; the Apps & features entry has
// what Windows needs for a quiet uninstall.
func TestWindowsInstallerScriptUndoesItself(t *testing.T) {
	install, uninstall := nsisSections(t)
	un := strings.Join(uninstall, "\n")
	in := strings.Join(install, "\n")
	regRE := regexp.MustCompile(`^WriteReg(?:Str|DWORD|ExpandStr) (HK\w+) "([^"]+)" "([^"]*)"`)
	keys := 0
	for _, line := range install {
		m := regRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		keys++
		hive, key, value := m[1], m[2], m[3]
		if !strings.Contains(un, `DeleteRegKey `+hive+` "`+key+`"`) &&
			!strings.Contains(un, `DeleteRegValue `+hive+` "`+key+`" "`+value+`"`) {
			t.Errorf("the uninstaller leaves %s\\%s %q", hive, key, value)
		}
	}
	if keys < 10 {
		t.Errorf("only %d registry writes found: the script's form changed", keys)
	}
	fileRE := regexp.MustCompile(`^(?:File "/oname=([^"]+)"|WriteUninstaller "\$INSTDIR\\([^"]+)"|CreateShortcut "([^"]+)")`)
	files := 0
	for _, line := range install {
		m := fileRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		files++
		path := m[3]
		if path == "" {
			path = `$INSTDIR\` + m[1] + m[2]
		}
		if !strings.Contains(un, `Delete "`+path+`"`) {
			t.Errorf("the uninstaller leaves %s", path)
		}
	}
	if files != 3 {
		t.Errorf("%d files found, want zavera.exe, uninstall.exe and the shortcut", files)
	}
	for _, want := range []string{`"Software\Microsoft\Windows\CurrentVersion\Uninstall\Zavera" "DisplayName"`,
		`"UninstallString" '"$INSTDIR\uninstall.exe"'`, `"QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'`,
		`"Software\Microsoft\Windows\CurrentVersion\Run" "Zavera"`, "RequestExecutionLevel user", "install --exe"} {
		if !strings.Contains(in, want) {
			t.Errorf("the installer lacks %s", want)
		}
	}
	for _, want := range []string{"zavera.exe\" uninstall", `RMDir "$INSTDIR"`} {
		if !strings.Contains(un, want) {
			t.Errorf("the uninstaller lacks %s", want)
		}
	}
}
