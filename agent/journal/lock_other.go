//go:build !unix && !windows

package journal

import "os"

// lockFile is a no-op where neither flock nor LockFileEx is available.
func lockFile(*os.File) error { return nil }
