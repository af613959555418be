//go:build windows

package pkcs11

import "golang.org/x/sys/windows"

// loadFailureReason says why miekg/pkcs11 could not use the module at
// path that moduleLoadName loaded.
func loadFailureReason(path string) string {
	h, ok := loadedHandle(path)
	if !ok {
		return "the library could not be loaded"
	}
	if _, err := windows.GetProcAddress(h, "C_GetFunctionList"); err != nil {
		return "not a PKCS#11 module (no C_GetFunctionList)"
	}
	return "LoadLibraryA did not find the loaded module under its name"
}
