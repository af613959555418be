//go:build !windows

package pkcs11

// moduleLoadName returns the name to give miekg/pkcs11 for the module at
// path: the path itself (dlopen takes the bytes as they are).
func moduleLoadName(path string) (string, error) {
	return path, nil
}
