package installer

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// These tests change the Root stores and Firefox's policy keys of the
// user running them, and the machine's: they are meant for the test
// prefix of Wine (.ci/wine-test). On a real Windows, adding to the
// user's Root store asks the user first.

// storeRegistryKey is where Windows keeps a certificate of a registry
// store: ...\SystemCertificates\Root\Certificates\<SHA-1 in upper-case
// hex>, under HKCU for the user's store, HKLM for the machine's.
func storeRegistryKey(der []byte) string {
	sum := sha1.Sum(der)
	return `Software\Microsoft\SystemCertificates\Root\Certificates\` + strings.ToUpper(hex.EncodeToString(sum[:]))
}

func keyExists(hive registry.Key, path string) bool {
	k, err := registry.OpenKey(hive, path, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	k.Close()
	return true
}

func TestRootStoreTrustAndUntrust(t *testing.T) {
	for _, scope := range []Scope{User, System} {
		t.Run(scope.String(), func(t *testing.T) {
			machine := scope == System
			hive := policyHive(machine)
			// The parent keys that are there before stay; the others go.
			before := map[string]bool{}
			for _, k := range firefoxPolicyParents {
				before[k] = keyExists(hive, k)
			}
			if firefoxEnterpriseRootsSet(machine) {
				t.Fatal("the prefix already has Firefox's ImportEnterpriseRoots")
			}
			caPEM := otherCA(t)
			b, _ := pem.Decode(caPEM)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "ca.pem"), caPEM, 0o644); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			o := &Options{Scope: scope, Log: &log}
			if has, _ := windowsStoreHas(o, caPEM); has {
				t.Fatal("a new CA is in the store before install")
			}
			if errs := o.trustWindows(dir, caPEM); len(errs) > 0 {
				t.Fatal(errs)
			}
			has, name := windowsStoreHas(o, caPEM)
			if !has || name != rootStoreName(machine) {
				t.Fatalf("after install: in %s: %v", name, has)
			}
			// The certificate is in the store Windows keeps, not only in
			// this process.
			if !keyExists(hive, storeRegistryKey(b.Bytes)) {
				t.Fatalf("no %s", storeRegistryKey(b.Bytes))
			}
			k, err := registry.OpenKey(hive, FirefoxCertificatesKey, registry.QUERY_VALUE)
			if err != nil {
				t.Fatal(err)
			}
			v, _, err := k.GetIntegerValue(FirefoxEnterpriseRoots)
			k.Close()
			if err != nil || v != 1 {
				t.Fatalf("Firefox policy: %d %v", v, err)
			}
			if _, err := os.Stat(filepath.Join(dir, FirefoxPolicyMarker)); err != nil {
				t.Fatal(err)
			}
			// Again: nothing changes, nothing fails.
			if errs := o.trustWindows(dir, caPEM); len(errs) > 0 {
				t.Fatal(errs)
			}
			if !strings.Contains(log.String(), "already in "+rootStoreName(machine)) {
				t.Errorf("second install:\n%s", log.String())
			}
			if errs := o.untrustWindows(dir); len(errs) > 0 {
				t.Fatal(errs)
			}
			if has, _ := windowsStoreHas(o, caPEM); has {
				t.Fatal("the CA is still in the store after uninstall")
			}
			if keyExists(hive, storeRegistryKey(b.Bytes)) {
				t.Fatalf("%s is still there after uninstall", storeRegistryKey(b.Bytes))
			}
			if firefoxEnterpriseRootsSet(machine) {
				t.Error("ImportEnterpriseRoots left behind")
			}
			for _, k := range firefoxPolicyParents {
				if keyExists(hive, k) != before[k] {
					t.Errorf("%s: there before %v, after uninstall %v", k, before[k], !before[k])
				}
			}
		})
	}
}

// An administrator's Firefox policy value is neither changed by install
// nor removed by uninstall, and neither is its key.
func TestFirefoxPolicyOfAdministratorKept(t *testing.T) {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, FirefoxCertificatesKey, registry.SET_VALUE|registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, p := range firefoxPolicyParents {
			registry.DeleteKey(registry.CURRENT_USER, p)
		}
	}()
	if err := k.SetDWordValue(FirefoxEnterpriseRoots, 0); err != nil {
		t.Fatal(err)
	}
	k.Close()
	caPEM := otherCA(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	o := &Options{}
	if errs := o.trustWindows(dir, caPEM); len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := os.Stat(filepath.Join(dir, FirefoxPolicyMarker)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("marker for a value Zavera did not write: %v", err)
	}
	if errs := o.untrustWindows(dir); len(errs) > 0 {
		t.Fatal(errs)
	}
	k, err = registry.OpenKey(registry.CURRENT_USER, FirefoxCertificatesKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatalf("the administrator's key is gone: %v", err)
	}
	defer k.Close()
	if v, _, err := k.GetIntegerValue(FirefoxEnterpriseRoots); err != nil || v != 0 {
		t.Errorf("the administrator's value: %d %v", v, err)
	}
}
