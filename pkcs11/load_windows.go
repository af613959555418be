//go:build windows

package pkcs11

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Loading a module on Windows.
//
// miekg/pkcs11 loads a module with LoadLibrary on a char*, which is
// LoadLibraryA: Windows reads those bytes in the code page of the file
// functions (the ANSI code page, 1251 on Russian Windows), not as UTF-8.
// A Go path with Cyrillic letters (C:\Токен\..., or a program folder under
// a user profile named in Cyrillic) therefore names no file there.
//
// So each module is first loaded here with LoadLibraryExW, which takes the
// path in UTF-16 and so any path, and with LOAD_WITH_ALTERED_SEARCH_PATH,
// so that the DLLs the module needs are looked for in its own folder. The
// handle is kept for the life of the process (miekg/pkcs11 never frees a
// module on Windows either). miekg/pkcs11 is then given a name under which
// LoadLibraryA finds that same file, the first of:
//
//  1. the path itself, when it survives the round trip through the file
//     functions' code page (every ASCII path does; on Russian Windows so
//     does every Cyrillic one);
//  2. its short 8.3 form (GetShortPathNameW), on the same condition: on
//     volumes that keep short names it is ASCII;
//  3. the bare file name, on the same condition, when GetModuleHandleW
//     finds this very module under it: for a bare name the loader returns
//     the module of that name already loaded, whatever its folder.
//
// A module none of these can name (8.3 names off, a non-ASCII file name
// not in the code page) is refused with errNoLoaderName.
//
// A module the system refuses with ERROR_BAD_EXE_FORMAT is looked at: if
// its PE header names another machine than the program's, the error is an
// *ArchitectureError ("32-bit (x86) module in a 64-bit (x64) program").

var (
	winModsMu sync.Mutex
	winMods   = map[string]windows.Handle{} // by absolute path
)

// goarchMachine is the PE machine type of a program built for GOARCH.
var goarchMachine = map[string]uint16{
	"386":   peMachineI386,
	"amd64": peMachineAMD64,
	"arm":   peMachineARMNT,
	"arm64": peMachineARM64,
}

var errNoLoaderName = errors.New("the module's path cannot be passed to the PKCS#11 loader: it has characters outside the system code page and no short 8.3 name; move the module to a folder with Latin letters only")

// moduleLoadName loads the module at path and returns the name to give
// miekg/pkcs11 for it.
func moduleLoadName(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	winModsMu.Lock()
	defer winModsMu.Unlock()
	h, ok := winMods[abs]
	if !ok {
		h, err = windows.LoadLibraryEx(abs, 0, windows.LOAD_WITH_ALTERED_SEARCH_PATH)
		if err != nil {
			return "", loadError(abs, err)
		}
		winMods[abs] = h
	}
	if name, ok := loaderName(abs, h); ok {
		return name, nil
	}
	return "", errNoLoaderName
}

// loadedHandle is the handle of a module moduleLoadName loaded.
func loadedHandle(path string) (windows.Handle, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, false
	}
	winModsMu.Lock()
	defer winModsMu.Unlock()
	h, ok := winMods[abs]
	return h, ok
}

// systemError is a Windows error code whose text names the file: the
// "%1" that Windows' messages hold in place of a file name is filled in.
type systemError struct {
	errno syscall.Errno
	file  string
}

func (e *systemError) Error() string {
	return strings.ReplaceAll(e.errno.Error(), "%1", e.file)
}

func (e *systemError) Unwrap() error { return e.errno }

// loadError explains why LoadLibraryExW refused path.
func loadError(path string, err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return fmt.Errorf("LoadLibraryExW: %w", err)
	}
	err = &systemError{errno: errno, file: filepath.Base(path)}
	switch errno {
	case windows.ERROR_BAD_EXE_FORMAT:
		m, perr := peMachine(path)
		if perr != nil {
			return fmt.Errorf("%v: LoadLibraryExW: %w", perr, err)
		}
		if want, ok := goarchMachine[runtime.GOARCH]; ok && m != want {
			return &ArchitectureError{Path: path, Module: machineName(m), Program: machineName(want), Err: err}
		}
	case windows.ERROR_MOD_NOT_FOUND:
		if _, serr := os.Stat(path); serr == nil {
			return fmt.Errorf("a DLL the module needs is missing (such as a Visual C++ runtime): LoadLibraryExW: %w", err)
		}
	}
	return fmt.Errorf("LoadLibraryExW: %w", err)
}

// loaderName finds a name under which LoadLibraryA reaches the module h
// loaded from abs (see above).
func loaderName(abs string, h windows.Handle) (string, bool) {
	if name, ok := fileAPIBytes(abs); ok {
		return name, true
	}
	if short, err := shortPath(abs); err == nil {
		if name, ok := fileAPIBytes(short); ok {
			return name, true
		}
	}
	if name, ok := baseName(abs, h); ok {
		return name, true
	}
	return "", false
}

// baseName is the module's file name, in the file functions' code page,
// when the loader finds the module h under it.
func baseName(abs string, h windows.Handle) (string, bool) {
	base := filepath.Base(abs)
	name, ok := fileAPIBytes(base)
	if !ok {
		return "", false
	}
	p, err := windows.UTF16PtrFromString(base)
	if err != nil {
		return "", false
	}
	var found windows.Handle
	if windows.GetModuleHandleEx(windows.GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, p, &found) != nil || found != h {
		return "", false
	}
	return name, true
}

// shortPath is the 8.3 form of an existing path.
func shortPath(long string) (string, error) {
	p, err := windows.UTF16PtrFromString(long)
	if err != nil {
		return "", err
	}
	buf := make([]uint16, windows.MAX_PATH)
	for {
		n, err := windows.GetShortPathName(p, &buf[0], uint32(len(buf)))
		if err != nil {
			return "", err
		}
		if int(n) <= len(buf) {
			return windows.UTF16ToString(buf[:n]), nil
		}
		buf = make([]uint16, n)
	}
}

var (
	kernel32                = windows.NewLazySystemDLL("kernel32.dll")
	procWideCharToMultiByte = kernel32.NewProc("WideCharToMultiByte")
	procMultiByteToWideChar = kernel32.NewProc("MultiByteToWideChar")
	procAreFileApisANSI     = kernel32.NewProc("AreFileApisANSI")
)

const (
	cpACP   = 0
	cpOEMCP = 1
)

// fileAPIBytes encodes s in the code page that the "A" file functions,
// LoadLibraryA among them, decode with (the ANSI code page unless the
// process switched them to OEM). ok is false when s does not come back
// unchanged from the round trip, that is when some character of s has no
// place in that code page.
func fileAPIBytes(s string) (string, bool) {
	wide, err := windows.UTF16FromString(s)
	if err != nil || len(wide) < 2 {
		return "", false
	}
	wide = wide[:len(wide)-1] // no terminating NUL
	cp := uintptr(cpACP)
	if r, _, _ := procAreFileApisANSI.Call(); r == 0 {
		cp = cpOEMCP
	}
	n, _, _ := procWideCharToMultiByte.Call(cp, 0, uintptr(unsafe.Pointer(&wide[0])), uintptr(len(wide)), 0, 0, 0, 0)
	if n == 0 {
		return "", false
	}
	narrow := make([]byte, n)
	n, _, _ = procWideCharToMultiByte.Call(cp, 0, uintptr(unsafe.Pointer(&wide[0])), uintptr(len(wide)),
		uintptr(unsafe.Pointer(&narrow[0])), uintptr(len(narrow)), 0, 0)
	if int(n) != len(narrow) {
		return "", false
	}
	back := make([]uint16, len(wide)+len(narrow))
	m, _, _ := procMultiByteToWideChar.Call(cp, 0, uintptr(unsafe.Pointer(&narrow[0])), uintptr(len(narrow)),
		uintptr(unsafe.Pointer(&back[0])), uintptr(len(back)))
	if !slices.Equal(back[:m], wide) || slices.Contains(narrow, 0) {
		return "", false
	}
	return string(narrow), true
}
