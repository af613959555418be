//go:build windows

package appconf

import (
	"errors"

	"golang.org/x/sys/windows/registry"

	"github.com/zavera/zavera/installer"
)

// runKey is the key under HKEY_CURRENT_USER whose value runValue starts
// the agent at login: the installer's Run key (tests use their own).
var runKey = installer.RunKey

const runValue = "Zavera"

// StartsAtLogin reports whether the user's Run key starts the agent.
func StartsAtLogin() bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	v, _, err := k.GetStringValue(runValue)
	return err == nil && v != ""
}

// SetStartAtLogin sets the user's Run key to start the agent at
// agentExe with `serve --tls`, as the installer does, or removes it.
func SetStartAtLogin(agentExe string, on bool) error {
	if !on {
		k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
		if errors.Is(err, registry.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		defer k.Close()
		if err := k.DeleteValue(runValue); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return err
		}
		return nil
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(runValue, `"`+agentExe+`" serve --tls`)
}
