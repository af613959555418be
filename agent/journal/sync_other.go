//go:build !linux

package journal

import "os"

// syncData flushes the file to the disk; see sync_linux.go. Tests
// replace it.
var syncData = func(f *os.File) error { return f.Sync() }
