package installer

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zavera/zavera/internal/osslref"
)

// packagesMk is mk/packages.mk, which builds every package.
func packagesMk(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(osslref.Root(t), "mk", "packages.mk"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// packagesVar is the value of a variable of mk/packages.mk, with the
// file's own variables in it expanded.
func packagesVar(t *testing.T, name string) string {
	t.Helper()
	vars := map[string]string{}
	def := regexp.MustCompile(`^(\w+)\s*[:?]?=\s*(.*)$`)
	for _, line := range strings.Split(packagesMk(t), "\n") {
		if m := def.FindStringSubmatch(line); m != nil {
			vars[m[1]] = strings.TrimSpace(m[2])
		}
	}
	ref := regexp.MustCompile(`\$\((\w+)\)`)
	v, ok := vars[name]
	if !ok {
		t.Fatalf("mk/packages.mk defines no %s", name)
	}
	for range 5 {
		v = ref.ReplaceAllStringFunc(v, func(r string) string {
			if x, ok := vars[r[2:len(r)-1]]; ok {
				return x
			}
			return r
		})
	}
	return v
}

// The build line in mk/packages.mk that writes out.
func buildLine(t *testing.T, out string) string {
	t.Helper()
	logical := strings.ReplaceAll(packagesMk(t), "\\\n", " ")
	for _, line := range strings.FieldsFunc(logical, func(r rune) bool { return r == '\n' || r == ';' || r == '&' }) {
		if strings.Contains(line, " build ") && strings.Contains(line, "-o "+out+" ") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("mk/packages.mk builds nothing into %s", out)
	return ""
}

// Every package ships the agent and zavera-ui side by side, since the
// agent looks for zavera-ui in its own folder; on Windows zavera-ui.exe
// is a GUI-subsystem program so that no console flashes with a window.
func TestPackagesShipBothPrograms(t *testing.T) {
	// Linux: built into the stage, installed into /usr/bin together.
	for _, p := range []struct{ out, pkg string }{
		{"$(PKG_STAGE)/zavera", "./cmd/zavera"},
		{"$(PKG_STAGE)/zavera-ui", "./cmd/zavera-ui"},
		{"$(PKG_STAGE)/windows/zavera.exe", "./cmd/zavera"},
		{"$(PKG_STAGE)/windows/zavera-ui.exe", "./cmd/zavera-ui"},
		{"$(PKG_STAGE)/zavera-host", "./cmd/zavera-host"},
		{"$(PKG_STAGE)/windows/zavera-host.exe", "./cmd/zavera-host"},
		{"$(PKG_APP)/Contents/MacOS/zavera", "./cmd/zavera"},
		{"$(PKG_APP)/Contents/MacOS/zavera-ui", "./cmd/zavera-ui"},
	} {
		if line := buildLine(t, p.out); !strings.HasSuffix(line, " "+p.pkg) {
			t.Errorf("%s is built from something else: %s", p.out, line)
		}
	}
	if line := buildLine(t, "$(PKG_STAGE)/windows/zavera-ui.exe"); !strings.Contains(line, "$(PKG_UI_WIN_LDFLAGS)") ||
		!strings.Contains(line, "GOOS=windows") {
		t.Errorf("zavera-ui.exe build: %s", line)
	}
	if v := packagesVar(t, "PKG_UI_WIN_LDFLAGS"); !strings.Contains(v, "-H=windowsgui") {
		t.Errorf("PKG_UI_WIN_LDFLAGS = %q", v)
	}
	mk := packagesMk(t)
	for _, want := range []string{"-DUIEXE=$(CURDIR)/$(PKG_STAGE)/windows/zavera-ui.exe",
		"sign.sh $(PKG_STAGE)/windows/zavera-ui.exe"} {
		if !strings.Contains(mk, want) {
			t.Errorf("mk/packages.mk lacks %s", want)
		}
	}

	nfpm, err := os.ReadFile(filepath.Join(osslref.Root(t), "installer", "linux", "nfpm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"zavera", "zavera-ui", "zavera-host"} {
		entry := "  - src: build/packages/stage/" + p + "\n    dst: /usr/bin/" + p + "\n    file_info:\n      mode: 0755\n"
		if !strings.Contains(string(nfpm), entry) {
			t.Errorf("nfpm.yaml does not install %s into /usr/bin", p)
		}
	}
}
