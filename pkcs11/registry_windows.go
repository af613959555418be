//go:build windows

package pkcs11

import (
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// registryModules returns the module paths the sources name, in order,
// HKEY_LOCAL_MACHINE before HKEY_CURRENT_USER for each. Missing keys and
// values are skipped; whether the files exist is left to discover.
func registryModules(sources []registrySource) []string {
	var out []string
	for _, src := range sources {
		for _, root := range []registry.Key{registry.LOCAL_MACHINE, registry.CURRENT_USER} {
			for _, v := range readRegistryStrings(root, src.key, src.value) {
				v = strings.Trim(strings.TrimSpace(v), `"`)
				if v == "" {
					continue
				}
				if src.module != "" {
					v = filepath.Join(filepath.Dir(v), src.module)
				}
				out = append(out, v)
			}
		}
	}
	return out
}

// readRegistryStrings reads the string value name of key under root, or
// every string value of the key when name is empty (in the order Windows
// enumerates them). REG_EXPAND_SZ values are expanded.
func readRegistryStrings(root registry.Key, key, name string) []string {
	k, err := registry.OpenKey(root, key, registry.QUERY_VALUE)
	if err != nil {
		return nil
	}
	defer k.Close()
	names := []string{name}
	if name == "" {
		if names, err = k.ReadValueNames(-1); err != nil {
			return nil
		}
	}
	var out []string
	for _, n := range names {
		s, typ, err := k.GetStringValue(n)
		if err != nil {
			continue // not a string, or gone
		}
		if typ == registry.EXPAND_SZ {
			if s, err = registry.ExpandString(s); err != nil {
				continue
			}
		}
		out = append(out, s)
	}
	return out
}
