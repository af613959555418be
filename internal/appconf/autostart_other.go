//go:build !windows

package appconf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zavera/zavera/installer"
)

// StartsAtLogin reports whether the user's XDG autostart entry exists.
func StartsAtLogin() bool {
	p, err := UserAutostart()
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// SetStartAtLogin writes the user's autostart entry, which starts the
// agent at agentExe, or removes it.
func SetStartAtLogin(agentExe string, on bool) error {
	p, err := UserAutostart()
	if err != nil {
		return err
	}
	if !on {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return WriteFileReplacing(p, installer.DesktopEntry(agentExe, "serve", "--tls"), 0o644)
}
