//go:build windows

package pkcs11

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// The modules these tests load are pkcs11/testdata/mingw/minip11.c, built
// with mingw by .ci/wine-test into the folder ZAVERA_TEST_MINGW_DLLS
// names: x64\minip11.dll and x86\minip11.dll.
const (
	winTestLabel       = "Zavera Windows test token"
	winTestDescription = "Zavera minimal Windows module"
)

func winTestDLL(t *testing.T, arch string) string {
	t.Helper()
	dir := os.Getenv("ZAVERA_TEST_MINGW_DLLS")
	if dir == "" {
		t.Skip("the test modules are built by .ci/wine-test (make test-windows)")
	}
	p := filepath.Join(dir, arch, "minip11.dll")
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// cyrillicFolder makes the folder rel (Cyrillic letters in it) at the root
// of the system drive, where the users who met the bug had theirs
// (C:\Токен), or in the temporary folder when the root is not writable.
// A module loaded from it stays loaded, and Windows does not delete a
// loaded DLL, so the clean-up is best effort.
func cyrillicFolder(t *testing.T, rel string) string {
	t.Helper()
	root := os.Getenv("SystemDrive") + `\`
	dir := filepath.Join(root, rel)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tmp, err := os.MkdirTemp("", "zavera-p11-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(tmp) })
		dir = filepath.Join(tmp, rel)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkWinModule checks that m loaded the test module at path and lists
// its token.
func checkWinModule(t *testing.T, m *Manager, path string) {
	t.Helper()
	var mod *Module
	for _, md := range m.Modules() {
		if strings.EqualFold(md.Path, path) {
			mod = &md
		}
	}
	if mod == nil {
		t.Fatalf("module %s not tried; tried %v", path, m.Modules())
	}
	if mod.Err != nil {
		t.Fatalf("module %s: %v", path, mod.Err)
	}
	if mod.Description != winTestDescription {
		t.Errorf("description %q, want %q", mod.Description, winTestDescription)
	}
	toks, err := m.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(toks, func(tk Token) bool { return tk.Label == winTestLabel && strings.EqualFold(tk.Module, path) }) {
		t.Fatalf("token %q of %s not listed: %+v", winTestLabel, path, toks)
	}
	if _, err := m.Certificates(); err != nil {
		t.Errorf("Certificates: %v", err)
	}
}

func TestModuleInCyrillicFolder(t *testing.T) {
	src := winTestDLL(t, "x64")
	path := filepath.Join(cyrillicFolder(t, "Токен"), "minip11.dll")
	copyFile(t, src, path)
	m, err := Open(Options{Modules: []string{path}, NoEnvironment: true, NoDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	checkWinModule(t, m, path)
}

var procLoadLibraryA = windows.NewLazySystemDLL("kernel32.dll").NewProc("LoadLibraryA")

// loadLibraryA calls LoadLibraryA on the bytes of name, as miekg/pkcs11
// does.
func loadLibraryA(name string) (windows.Handle, error) {
	b := append([]byte(name), 0)
	h, _, err := procLoadLibraryA.Call(uintptr(unsafe.Pointer(&b[0])))
	if h == 0 {
		return 0, err
	}
	return windows.Handle(h), nil
}

func moduleFileName(t *testing.T, h windows.Handle) string {
	t.Helper()
	buf := make([]uint16, 1024)
	n, err := windows.GetModuleFileName(h, &buf[0], uint32(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	return windows.UTF16ToString(buf[:n])
}

// TestLoaderNames checks each way of naming a module with Cyrillic
// letters in its path to LoadLibraryA: every name the package would pass
// must reach the same file.
func TestLoaderNames(t *testing.T) {
	src := winTestDLL(t, "x64")
	dir := cyrillicFolder(t, `Токен\имена`)
	path := filepath.Join(dir, "minip11-names.dll")
	copyFile(t, src, path)
	if windows.GetACP() != 65001 {
		if _, err := loadLibraryA(path); err == nil {
			t.Errorf("LoadLibraryA took the UTF-8 bytes of %s in code page %d", path, windows.GetACP())
		}
	}
	name, err := moduleLoadName(path)
	if err != nil {
		t.Fatal(err)
	}
	h, ok := loadedHandle(path)
	if !ok {
		t.Fatal("the module's handle is not kept")
	}
	same := func(how, name string) {
		got, err := loadLibraryA(name)
		if err != nil {
			t.Errorf("%s: LoadLibraryA(%q): %v", how, name, err)
			return
		}
		if got != h && !strings.EqualFold(moduleFileName(t, got), moduleFileName(t, h)) {
			t.Errorf("%s: LoadLibraryA(%q) loaded %s, not %s", how, name, moduleFileName(t, got), moduleFileName(t, h))
		}
	}
	same("chosen name", name)
	t.Logf("code page %d; name given to the loader: %q", windows.GetACP(), name)
	if ansi, ok := fileAPIBytes(path); ok {
		same("ANSI path", ansi)
	} else {
		t.Logf("the path is not in code page %d", windows.GetACP())
	}
	if short, err := shortPath(path); err != nil {
		t.Logf("no short name: %v", err)
	} else if b, ok := fileAPIBytes(short); ok {
		same("short path", b)
		t.Logf("short path: %s", short)
	}
	base, ok := baseName(path, h)
	if !ok {
		t.Fatalf("the loaded module is not found under its file name %s", filepath.Base(path))
	}
	same("file name", base)
	// A second module of the same file name from another folder is not
	// reached by that file name: the lookup would give the first.
	other := filepath.Join(cyrillicFolder(t, `Токен\другой`), "minip11-names.dll")
	copyFile(t, src, other)
	h2, err := windows.LoadLibraryEx(other, 0, windows.LOAD_WITH_ALTERED_SEARCH_PATH)
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Logf("the system gave the module of %s for %s", path, other)
	} else if _, ok := baseName(other, h2); ok {
		t.Errorf("the file name %s, shared by two modules, was taken for the second", filepath.Base(other))
	}
}

// TestModuleInCodePageFolder loads a module whose path has letters
// outside ASCII but inside the system code page (Cyrillic on Russian
// Windows; under Wine's default code page 1252 the test takes German
// letters): the path is passed in that code page, as it is.
func TestModuleInCodePageFolder(t *testing.T) {
	src := winTestDLL(t, "x64")
	var folder string
	for _, f := range []string{"Токен", "Zavera Müller"} {
		if _, ok := fileAPIBytes(f); ok {
			folder = f
			break
		}
	}
	if folder == "" {
		t.Skipf("code page %d has neither Cyrillic nor German letters", windows.GetACP())
	}
	path := filepath.Join(cyrillicFolder(t, folder), "minip11-cp.dll")
	copyFile(t, src, path)
	want, _ := fileAPIBytes(path)
	if name, err := moduleLoadName(path); err != nil || name != want {
		t.Fatalf("moduleLoadName = %q, %v; want the path in code page %d, %q", name, err, windows.GetACP(), want)
	}
	m, err := Open(Options{Modules: []string{path}, NoEnvironment: true, NoDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	checkWinModule(t, m, path)
}

// TestModuleBesideProgramInCyrillicFolder runs a copy of this test binary
// from C:\Программы\Zavera with the module beside it as gosttoken.dll, as
// a per-user install under a Cyrillic user name has it: discovery must
// find and load it.
func TestModuleBesideProgramInCyrillicFolder(t *testing.T) {
	if os.Getenv("ZAVERA_TEST_BESIDE_PROGRAM") == "1" {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		m, err := Open(Options{NoEnvironment: true})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		checkWinModule(t, m, filepath.Join(filepath.Dir(exe), "gosttoken.dll"))
		return
	}
	src := winTestDLL(t, "x64")
	dir := cyrillicFolder(t, `Программы\Zavera`)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "zavera-pkcs11-test.exe")
	copyFile(t, self, exe)
	copyFile(t, src, filepath.Join(dir, "gosttoken.dll"))
	cmd := exec.Command(exe, "-test.run=^TestModuleBesideProgramInCyrillicFolder$", "-test.v", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ZAVERA_TEST_BESIDE_PROGRAM=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestModuleBesideProgramInCyrillicFolder") {
		t.Fatalf("%s: %v\n%s", exe, err, out)
	}
}

func TestModuleOfOtherArchitecture(t *testing.T) {
	src := winTestDLL(t, "x86")
	path := filepath.Join(cyrillicFolder(t, `Токен\x86`), "minip11.dll")
	copyFile(t, src, path)
	m, err := Open(Options{Modules: []string{path}, NoEnvironment: true, NoDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	mods := m.Modules()
	if len(mods) != 1 || mods[0].Err == nil {
		t.Fatalf("a 32-bit module loaded: %+v", mods)
	}
	err = mods[0].Err
	var ae *ArchitectureError
	if !errors.Is(err, ErrModuleLoad) || !errors.Is(err, ErrModuleArchitecture) || !errors.As(err, &ae) {
		t.Fatalf("error %v is not ErrModuleLoad and an *ArchitectureError", err)
	}
	if ae.Module != "32-bit (x86)" || ae.Program != "64-bit (x64)" || !errors.Is(err, windows.ERROR_BAD_EXE_FORMAT) {
		t.Errorf("ArchitectureError %+v", ae)
	}
	msg := err.Error()
	for _, want := range []string{path, "32-bit (x86) module in a 64-bit (x64) program", strings.ReplaceAll(syscall.Errno(windows.ERROR_BAD_EXE_FORMAT).Error(), "%1", "minip11.dll")} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "%1") {
		t.Errorf("message %q keeps Windows' %%1", msg)
	}
	t.Log(msg)
}

// TestRegistryModules reads the module paths of a table of sources on
// keys the test writes under HKEY_CURRENT_USER, then finds and loads a
// module through them.
func TestRegistryModules(t *testing.T) {
	src := winTestDLL(t, "x64")
	base := fmt.Sprintf(`Software\Zavera tests\pkcs11-%d`, os.Getpid())
	t.Cleanup(func() {
		registry.DeleteKey(registry.CURRENT_USER, base+`\Devices`)
		registry.DeleteKey(registry.CURRENT_USER, base+`\Vendor`)
		registry.DeleteKey(registry.CURRENT_USER, base)
	})
	write := func(key string, set func(k registry.Key) error) {
		k, _, err := registry.CreateKey(registry.CURRENT_USER, key, registry.ALL_ACCESS)
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		if err := set(k); err != nil {
			t.Fatal(err)
		}
	}
	vendorDir := cyrillicFolder(t, `Токен\Поставщик`)
	if err := os.MkdirAll(filepath.Join(vendorDir, "pkcs11"), 0o755); err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(vendorDir, "pkcs11", "minip11-reg.dll")
	copyFile(t, src, module)
	write(base+`\Vendor`, func(k registry.Key) error {
		return k.SetStringValue("ConfigFile", filepath.Join(vendorDir, "vendor.conf"))
	})
	write(base+`\Devices`, func(k registry.Key) error {
		if err := k.SetStringValue("Токен А", `"C:\Токен А\a.dll"`); err != nil {
			return err
		}
		if err := k.SetExpandStringValue("Token B", `%SystemDrive%\b\b.dll`); err != nil {
			return err
		}
		return k.SetDWordValue("Count", 2)
	})
	sources := []registrySource{
		{vendor: "test vendor", key: base + `\Vendor`, value: "ConfigFile", module: `pkcs11\minip11-reg.dll`},
		{vendor: "missing", key: base + `\Missing`},
		{vendor: "test devices", key: base + `\Devices`},
	}
	got := registryModules(sources)
	slices.Sort(got[1:])
	want := []string{module, os.Getenv("SystemDrive") + `\b\b.dll`, `C:\Токен А\a.dll`}
	if !slices.Equal(got, want) {
		t.Fatalf("registryModules = %q, want %q", got, want)
	}

	saved := registrySources
	registrySources = sources
	defer func() { registrySources = saved }()
	found := discover(nil, false, true)
	if !slices.Contains(found, module) || slices.Contains(found, `C:\Токен А\a.dll`) {
		t.Fatalf("discover = %q: want %s and no missing file", found, module)
	}
	m, err := Open(Options{NoEnvironment: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	checkWinModule(t, m, module)
}

// TestHostStartIsTriedTwiceOnWindows is TestHostStartIsTriedTwice with
// the Windows test module.
func TestHostStartIsTriedTwiceOnWindows(t *testing.T) {
	checkHostStartIsTriedTwice(t, winTestDLL(t, "x64"), winTestLabel)
}
