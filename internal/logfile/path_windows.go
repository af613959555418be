//go:build windows

package logfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// defaultPath is %LOCALAPPDATA%\Zavera\logs\zavera.log: the local (not
// roaming) application data, since a log belongs to one computer.
func defaultPath() (string, error) {
	dir := os.Getenv("LOCALAPPDATA")
	if dir == "" || !filepath.IsAbs(dir) {
		var err error
		if dir, err = os.UserCacheDir(); err != nil {
			return "", fmt.Errorf("logfile: no local application data folder: %w", err)
		}
	}
	return filepath.Join(dir, "Zavera", "logs", "zavera.log"), nil
}
