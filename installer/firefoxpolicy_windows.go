package installer

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// firefoxPolicyParents are the keys removed after the value when empty,
// innermost first.
var firefoxPolicyParents = []string{
	FirefoxCertificatesKey,
	`Software\Policies\Mozilla\Firefox`,
	`Software\Policies\Mozilla`,
}

// policyHive is HKLM for the machine, HKCU for the user.
func policyHive(machine bool) registry.Key {
	if machine {
		return registry.LOCAL_MACHINE
	}
	return registry.CURRENT_USER
}

// firefoxEnterpriseRootsSet reports whether the policy value is there
// with any value.
func firefoxEnterpriseRootsSet(machine bool) bool {
	k, err := registry.OpenKey(policyHive(machine), FirefoxCertificatesKey, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	_, _, err = k.GetIntegerValue(FirefoxEnterpriseRoots)
	return err == nil
}

// setFirefoxEnterpriseRoots writes ImportEnterpriseRoots = 1 unless a
// value is already there (an administrator's, kept as it is); it reports
// whether it wrote one.
func setFirefoxEnterpriseRoots(machine bool) (bool, error) {
	if firefoxEnterpriseRootsSet(machine) {
		return false, nil
	}
	k, _, err := registry.CreateKey(policyHive(machine), FirefoxCertificatesKey, registry.SET_VALUE)
	if err != nil {
		return false, fmt.Errorf("%s: %w", FirefoxCertificatesKey, err)
	}
	defer k.Close()
	if err := k.SetDWordValue(FirefoxEnterpriseRoots, 1); err != nil {
		return false, fmt.Errorf("%s: %w", FirefoxCertificatesKey, err)
	}
	return true, nil
}

// unsetFirefoxEnterpriseRoots deletes the value, then the keys
// Certificates, Firefox and Mozilla under Software\Policies as long as
// each is left empty (no value, no subkey).
func unsetFirefoxEnterpriseRoots(machine bool) error {
	hive := policyHive(machine)
	k, err := registry.OpenKey(hive, FirefoxCertificatesKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", FirefoxCertificatesKey, err)
	}
	err = k.DeleteValue(FirefoxEnterpriseRoots)
	k.Close()
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("%s: %w", FirefoxCertificatesKey, err)
	}
	for _, path := range firefoxPolicyParents {
		if !keyEmpty(hive, path) {
			return nil
		}
		if err := registry.DeleteKey(hive, path); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

// keyEmpty reports whether the key exists and holds no value and no
// subkey.
func keyEmpty(hive registry.Key, path string) bool {
	k, err := registry.OpenKey(hive, path, registry.QUERY_VALUE|registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return false
	}
	defer k.Close()
	info, err := k.Stat()
	return err == nil && info.SubKeyCount == 0 && info.ValueCount == 0
}
