//go:build !windows

package journal

import "os"

// openRead opens a journal file for reading. Outside Windows an open file
// may be renamed and deleted, so a reader never stands in the way of
// rotation.
func openRead(name string) (*os.File, error) { return os.Open(name) }
