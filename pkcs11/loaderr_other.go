//go:build !unix && !windows

package pkcs11

// loadFailureReason says why the dynamic loader refused path.
func loadFailureReason(path string) string {
	return "the library could not be loaded or has no C_GetFunctionList"
}
