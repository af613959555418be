package installer

import (
	"debug/pe"
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
// stand-ins for zavera.exe and zavera-ui.exe (the latter a GUI-subsystem
// program, built with the flags mk/packages.mk gives it) signed by
// sign.sh with a test certificate: the executables and the installer
// pass osslsigncode verify, and a changed byte fails it.
func TestWindowsInstallerBuildsSigned(t *testing.T) {
	root := osslref.Root(t)
	dir := t.TempDir()
	win := filepath.Join(root, "installer", "windows")
	if out, err := exec.Command(filepath.Join(win, "make-test-cert.sh"), dir).CombinedOutput(); err != nil {
		t.Fatalf("test certificate: %v\n%s", err, out)
	}
	env := append(os.Environ(), "ZAVERA_TEST_SIGN_DIR="+dir, "ZAVERA_SIGN_PFX=")
	exe, uiExe := filepath.Join(dir, "zavera.exe"), filepath.Join(dir, "zavera-ui.exe")
	for _, b := range []struct{ out, ldflags string }{{exe, "-s -w"}, {uiExe, packagesVar(t, "PKG_UI_WIN_LDFLAGS")}} {
		build := exec.Command("go", "build", "-ldflags", b.ldflags, "-o", b.out, "./installer/testdata/winstub")
		build.Dir = root
		build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		sign := exec.Command(filepath.Join(win, "sign.sh"), b.out)
		sign.Env = env
		if out, err := sign.CombinedOutput(); err != nil {
			t.Fatalf("sign: %v\n%s", err, out)
		}
	}
	for f, want := range map[string]uint16{exe: pe.IMAGE_SUBSYSTEM_WINDOWS_CUI, uiExe: pe.IMAGE_SUBSYSTEM_WINDOWS_GUI} {
		if got := peSubsystem(t, f); got != want {
			t.Errorf("%s: subsystem %d, want %d", filepath.Base(f), got, want)
		}
	}
	setup := filepath.Join(dir, "zavera-0.0.1-setup.exe")
	nsis := exec.Command("makensis", "-V2", "-DEXE="+exe, "-DUIEXE="+uiExe, "-DHOSTEXE="+exe, "-DVERSION=0.0.1", "-DOUTFILE="+setup,
		"-DSIGN="+filepath.Join(win, "sign.sh"), filepath.Join(win, "zavera.nsi"))
	nsis.Env = env
	if out, err := nsis.CombinedOutput(); err != nil {
		t.Fatalf("makensis: %v\n%s", err, out)
	}
	// Without zavera-ui.exe the script refuses to build.
	broken := exec.Command("makensis", "-V2", "-DEXE="+exe, "-DOUTFILE="+filepath.Join(dir, "broken.exe"), filepath.Join(win, "zavera.nsi"))
	if out, err := broken.CombinedOutput(); err == nil || !strings.Contains(string(out), "UIEXE") {
		t.Errorf("makensis without UIEXE: %v\n%s", err, out)
	}
	ca := filepath.Join(dir, "test-ca.pem")
	for _, f := range []string{exe, uiExe, setup} {
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

// peSubsystem reads the subsystem of a Windows executable: console or
// GUI.
func peSubsystem(t *testing.T, path string) uint16 {
	t.Helper()
	f, err := pe.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	switch h := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		return h.Subsystem
	case *pe.OptionalHeader32:
		return h.Subsystem
	}
	t.Fatalf("%s: no optional header", path)
	return 0
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
	if files != 5 {
		t.Errorf("%d files found, want zavera.exe, zavera-ui.exe, zavera-host.exe, uninstall.exe and the shortcut", files)
	}
	for _, want := range []string{`File "/oname=zavera.exe" "${EXE}"`, `File "/oname=zavera-ui.exe" "${UIEXE}"`, `File "/oname=zavera-host.exe" "${HOSTEXE}"`} {
		if !strings.Contains(in, want) {
			t.Errorf("the installer lacks %s", want)
		}
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
