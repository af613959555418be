package installer

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// winRemove deletes a file or an empty folder with DeleteFileW or
// RemoveDirectoryW. os.Remove first asks for POSIX deletion
// (FileDispositionInformationEx), which Windows before 10 1607 and Wine
// do not all implement; these calls work everywhere. A path that is not
// there is no error.
func winRemove(path string) error {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		err = windows.RemoveDirectory(p)
	} else {
		err = windows.DeleteFile(p)
	}
	if err != nil {
		return &os.PathError{Op: "remove", Path: path, Err: err}
	}
	return nil
}

// winRemoveAll deletes dir and what it holds, as os.RemoveAll.
func winRemoveAll(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() && e.Type()&os.ModeSymlink == 0 {
			errs = append(errs, winRemoveAll(p))
		} else {
			errs = append(errs, winRemove(p))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return winRemove(dir)
}
