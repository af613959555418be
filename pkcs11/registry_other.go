//go:build !windows

package pkcs11

// registryModules returns nothing: only Windows has a registry.
func registryModules([]registrySource) []string { return nil }
