// Package appconf is what the agent (`zavera`) and the window program
// (`zavera-ui`) both need to find their way around a user's Zavera: the
// configuration in force, the state files beside it, the settings only the
// windows use, the autostart entry (an XDG .desktop file; on Windows the
// Run key), and each other's executable.
//
// # Rules
//
// The package holds no PKCS#11, CMS or widget code, so that importing it
// keeps the agent free of the GUI toolkit and the window program free of
// nothing it does not already link. Its functions have no state of their
// own and are safe for concurrent use; concurrent writers of the same
// file each replace it whole (the last one wins).
package appconf

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/installer"
	"github.com/zavera/zavera/internal/regpolicy"
	"github.com/zavera/zavera/ui/i18n"
)

// LoadConfig reads the configuration at path (the user's when path is
// empty), merges the machine-wide one into it (the file, then on Windows
// the group policy, see internal/regpolicy) and finds the state folder:
// the configuration's stateDir, else the folder of an explicit path, else
// the user's state folder.
func LoadConfig(path string) (agent.Config, error) {
	explicit := path != ""
	if !explicit {
		p, err := agent.DefaultConfigPath()
		if err != nil {
			return agent.Config{}, err
		}
		path = p
	}
	cfg, err := agent.LoadConfig(path)
	if err != nil {
		return cfg, err
	}
	// The administrator's machine-wide configuration adds to the user's.
	if cfg, err = agent.ApplyPolicy(cfg, agent.SystemConfigPath()); err != nil {
		return cfg, err
	}
	// On Windows, group policy adds to both and wins over them.
	if policy, ok, err := regpolicy.Load(); err != nil {
		return cfg, err
	} else if ok {
		if cfg, err = agent.MergePolicy(cfg, policy); err != nil {
			return cfg, fmt.Errorf("agent: group policy: %w", err)
		}
	}
	if cfg.StateDir == "" {
		if explicit {
			cfg.StateDir = filepath.Dir(path)
		} else if cfg.StateDir, err = agent.DefaultStateDir(); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// KeysPath is the file of the software keys the user added.
func KeysPath(cfg agent.Config) string { return filepath.Join(cfg.StateDir, "keys.json") }

// ApprovalsPath is the file of the approved sites.
func ApprovalsPath(cfg agent.Config) string { return filepath.Join(cfg.StateDir, "approvals.json") }

// JournalPath is the signing journal.
func JournalPath(cfg agent.Config) string { return filepath.Join(cfg.StateDir, "journal.log") }

// UISettings holds what only the desktop windows use, in the state folder
// beside the approvals.
type UISettings struct {
	// Language is "ru", "en", or empty for the system's.
	Language string `json:"language,omitempty"`
}

// UISettingsPath is the file of the UISettings.
func UISettingsPath(cfg agent.Config) string { return filepath.Join(cfg.StateDir, "ui.json") }

// LoadUISettings reads the window settings; a missing file is the
// defaults. A member that cannot be read keeps its default, and a file
// that is not a JSON object gives the defaults: the error then holds one
// *agent.SkippedError per part left out (errors.As finds the first), and
// the settings returned are still the ones to use. The next save writes
// a clean file.
func LoadUISettings(cfg agent.Config) (UISettings, error) {
	var s UISettings
	path := UISettingsPath(cfg)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return s, &agent.SkippedError{File: path, Err: err}
	}
	var skipped []error
	if raw, ok := members["language"]; ok {
		var lang string
		err := json.Unmarshal(raw, &lang)
		if _, known := i18n.Parse(lang); err == nil && lang != "" && !known {
			err = fmt.Errorf("unknown language %q", lang)
		}
		if err != nil {
			skipped = append(skipped, &agent.SkippedError{File: path, Entry: "language", Err: err})
		} else {
			s.Language = lang
		}
	}
	return s, errors.Join(skipped...)
}

// SaveUISettings writes the window settings.
func SaveUISettings(cfg agent.Config, s UISettings) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return err
	}
	return WriteFileReplacing(UISettingsPath(cfg), append(b, '\n'), 0o600)
}

// Language is the language of the window settings, else the system's.
func Language(cfg agent.Config) i18n.Lang {
	// Unreadable settings keep their defaults (LoadUISettings).
	if s, _ := LoadUISettings(cfg); s.Language != "" {
		if l, ok := i18n.Parse(s.Language); ok {
			return l
		}
	}
	return i18n.Detect(os.Getenv)
}

// UpdateConfigFile sets the modules and the port in the configuration
// file, keeping every other member as it is.
func UpdateConfigFile(path string, modules []string, port int) error {
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
	return WriteFileReplacing(path, append(out, '\n'), 0o600)
}

// WriteFileReplacing writes data to a temporary file beside path and
// renames it over path, so that readers never see half a file.
func WriteFileReplacing(path string, data []byte, perm os.FileMode) error {
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

// UserAutostart is the user's XDG autostart entry for the agent.
func UserAutostart() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return (&installer.Options{Home: home}).UserAutostart(), nil
}
