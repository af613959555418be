//go:build !windows

package journal

import (
	"fmt"
	"os"
)

// restrictKey makes the key file at path readable by its owner only
// (mode 0600) if its mode lets others read or write it, and says so.
func restrictKey(path string) (note string, err error) {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return "", nil
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return "", err
	}
	return fmt.Sprintf("the key file %s could be read by others; its mode is now 0600", path), nil
}
