package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/installer"
)

// uiSettingsFile holds what only the desktop windows use, in the state
// folder beside the approvals.
type uiSettingsFile struct {
	// Language is "ru", "en", or empty for the system's.
	Language string `json:"language,omitempty"`
}

func uiSettingsPath(cfg agent.Config) string { return filepath.Join(cfg.StateDir, "ui.json") }

func loadUISettings(cfg agent.Config) (uiSettingsFile, error) {
	var s uiSettingsFile
	b, err := os.ReadFile(uiSettingsPath(cfg))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", uiSettingsPath(cfg), err)
	}
	return s, nil
}

func saveUISettings(cfg agent.Config, s uiSettingsFile) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return err
	}
	return writeFileReplacing(uiSettingsPath(cfg), append(b, '\n'), 0o600)
}

// updateConfigFile sets the modules and the port in the configuration
// file, keeping every other member as it is.
func updateConfigFile(path string, modules []string, port int) error {
	doc := map[string]any{}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if len(modules) > 0 {
		doc["modules"] = modules
	} else {
		delete(doc, "modules")
	}
	if port > 0 {
		doc["port"] = port
	} else {
		delete(doc, "port")
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeFileReplacing(path, append(out, '\n'), 0o600)
}

// writeFileReplacing writes data to a temporary file beside path and
// renames it over path, so that readers never see half a file.
func writeFileReplacing(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// userAutostart is the user's XDG autostart entry for the agent.
func userAutostart() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return (&installer.Options{Home: home}).UserAutostart(), nil
}

// startsAtLogin reports whether an autostart entry starts the agent.
func startsAtLogin() bool {
	p, err := userAutostart()
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// setStartAtLogin writes or removes the user's autostart entry.
func setStartAtLogin(on bool) error {
	p, err := userAutostart()
	if err != nil {
		return err
	}
	if !on {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return writeFileReplacing(p, installer.DesktopEntry(exe, "serve", "--tls"), 0o644)
}
