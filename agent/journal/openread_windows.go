//go:build windows

package journal

import (
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// openRead opens a journal file for reading and lets others rename and
// delete it meanwhile (FILE_SHARE_DELETE). Windows renames or deletes a
// file only if every handle open on it allows that, and os.Open allows
// reading and writing only: a reader such as `zavera journal` or the
// main window, reading while the agent runs, would make the agent's
// rotation (a rename) and pruning (a delete) fail for as long as it
// reads. A file renamed while it is read is read on to its end; one
// deleted goes once the last handle on it is closed.
func openRead(name string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}
