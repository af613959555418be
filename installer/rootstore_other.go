//go:build !windows

package installer

import (
	"errors"
	"os"
)

// Windows' certificate stores and registry exist only on Windows; these
// stand-ins let the Windows steps compile (and their commands be checked)
// elsewhere.

func rootStoreHas(bool, []byte) (bool, error)    { return false, errors.ErrUnsupported }
func rootStoreAdd(bool, []byte) (bool, error)    { return false, errors.ErrUnsupported }
func rootStoreRemove(bool, []byte) (bool, error) { return false, errors.ErrUnsupported }

func setFirefoxEnterpriseRoots(bool) (bool, error) { return false, errors.ErrUnsupported }
func unsetFirefoxEnterpriseRoots(bool) error       { return errors.ErrUnsupported }

func winRemove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func winRemoveAll(dir string) error { return os.RemoveAll(dir) }
