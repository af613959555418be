//go:build !windows

package logfile

// defaultPath is empty: outside Windows the log is standard error.
func defaultPath() (string, error) { return "", nil }
