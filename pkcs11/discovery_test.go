package pkcs11

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWellKnownPathsCoverVendors(t *testing.T) {
	for goos, want := range map[string][]string{
		"linux":   {"/usr/lib/librtpkcs11ecp.so", "/opt/aktivco/rutokenecp/amd64/librtpkcs11ecp.so", "/usr/lib/libjcPKCS11-2.so", "/usr/lib/libeTPkcs11.so", "/usr/lib/libisbc_pkcs11_main.so", "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/libgosttoken.so"},
		"darwin":  {"/Library/Aktiv Co/Rutoken ECP/lib/librtpkcs11ecp.dylib", "/usr/local/lib/libjcPKCS11-2.dylib", "/Library/OpenSC/lib/opensc-pkcs11.so"},
		"windows": {`\System32\rtpkcs11ecp.dll`, `\System32\jcPKCS11-2.dll`, `\System32\eTPKCS11.dll`, `\System32\isbc_pkcs11_main.dll`, `C:\Program Files\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll`},
	} {
		paths := wellKnownPaths(goos, "")
		for _, w := range want {
			if !slices.ContainsFunc(paths, func(p string) bool { return strings.HasSuffix(p, w) }) {
				t.Errorf("%s: no %s among %d paths", goos, w, len(paths))
			}
		}
		for _, p := range paths {
			if goos == "windows" && strings.HasPrefix(p, "/") || goos != "windows" && !strings.HasPrefix(p, "/") {
				t.Errorf("%s: path %q", goos, p)
			}
		}
	}
	if p := wellKnownPaths("linux", "/opt/zavera"); p[0] != "/opt/zavera/librtpkcs11ecp.so" {
		t.Errorf("program folder not searched first: %s", p[0])
	}
}

func TestDiscoverOrderAndDuplicates(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "liba.so")
	writeFile(t, a, []byte("x"))
	link := filepath.Join(dir, "link.so")
	if err := os.Symlink(a, link); err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(dir, "libb.so")
	writeFile(t, b, []byte("x"))
	missing := filepath.Join(dir, "missing.so")
	t.Setenv(EnvModules, b+string(os.PathListSeparator)+" "+string(os.PathListSeparator)+link)
	got := discover([]string{a, missing}, true, false)
	want := []string{a, missing, b}
	if !slices.Equal(got, want) {
		t.Fatalf("discover = %v, want %v", got, want)
	}
	if got := discover([]string{a}, false, false); !slices.Equal(got, []string{a}) {
		t.Fatalf("environment not ignored: %v", got)
	}
	// Well-known paths that do not exist are not listed.
	for _, p := range discover(nil, false, true) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("listed a module that is not there: %s", p)
		}
	}
}

// On Windows the vendors' folders are under %ProgramFiles%, wherever
// that is, not under a fixed C:\Program Files.
func TestWindowsProgramFilesFolder(t *testing.T) {
	t.Setenv("ProgramFiles", `D:\Программы`)
	paths := wellKnownPaths("windows", `C:\Users\Пользователь\AppData\Local\Programs\Zavera`)
	for _, want := range []string{
		`D:\Программы\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll`,
		`C:\Users\Пользователь\AppData\Local\Programs\Zavera\gosttoken.dll`,
		`C:\Users\Пользователь\AppData\Local\Programs\Zavera\rtpkcs11ecp.dll`,
	} {
		if !slices.Contains(paths, want) {
			t.Errorf("no %s among %d paths", want, len(paths))
		}
	}
	if slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(p, `C:\Program Files\`) }) {
		t.Errorf("a fixed C:\\Program Files folder is searched")
	}
}
