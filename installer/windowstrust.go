package installer

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Trust of the local CA on Windows. The CA goes into the Root store of
// the user (Scope User; Windows asks the user to confirm it once) or of
// the machine (Scope System; no question, needs an administrator), where
// Chrome, Edge, Yandex Browser and every program that uses Windows'
// certificate verification find it. Firefox keeps a store of its own and
// reads Windows' Root stores only with its enterprise roots setting, so
// its policy ImportEnterpriseRoots is set in the same hive (HKCU or
// HKLM). Firefox reads its policies from both hives, HKLM first, so a
// per-user value works without an administrator.
//
// Uninstall removes only what install added: the CA (by its SHA-1), and
// the policy value only when install wrote it, which the file
// FirefoxPolicyMarker in the TLS folder records; a value an
// administrator set before stays.

const (
	// FirefoxCertificatesKey is Firefox's policy key for certificates,
	// under HKCU or HKLM.
	FirefoxCertificatesKey = `Software\Policies\Mozilla\Firefox\Certificates`
	// FirefoxEnterpriseRoots is the DWORD value that makes Firefox trust
	// the CAs of Windows' Root stores.
	FirefoxEnterpriseRoots = "ImportEnterpriseRoots"
	// FirefoxPolicyMarker, in the TLS folder, records that Zavera wrote
	// FirefoxEnterpriseRoots.
	FirefoxPolicyMarker = "firefox-policy-set"
)

// caDER is the certificate of caPEM.
func caDER(caPEM []byte) ([]byte, error) {
	b, _ := pem.Decode(caPEM)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return b.Bytes, nil
}

// trustWindows puts the CA of tlsDir into the scope's Root store and
// sets Firefox's enterprise roots policy.
func (o *Options) trustWindows(tlsDir string, caPEM []byte) []error {
	machine := o.Scope == System
	var errs []error
	der, err := caDER(caPEM)
	if err != nil {
		return []error{&StepError{Step: "certificate store", Path: tlsDir, Err: err}}
	}
	added, err := rootStoreAdd(machine, der)
	switch {
	case err != nil:
		errs = append(errs, &StepError{Step: "certificate store", Err: err})
	case added:
		o.logf("certificate store: added the local CA to %s", rootStoreName(machine))
	default:
		o.logf("certificate store: the local CA is already in %s", rootStoreName(machine))
	}
	set, err := setFirefoxEnterpriseRoots(machine)
	switch {
	case err != nil:
		errs = append(errs, &StepError{Step: "Firefox policy", Err: err})
	case set:
		marker := filepath.Join(tlsDir, FirefoxPolicyMarker)
		if err := writeAtomic(marker, []byte(FirefoxCertificatesKey+`\`+FirefoxEnterpriseRoots+"\n"), 0o644); err != nil {
			errs = append(errs, &StepError{Step: "Firefox policy", Path: marker, Err: err})
		}
		o.logf("Firefox policy: %s\\%s = 1", FirefoxCertificatesKey, FirefoxEnterpriseRoots)
	default:
		o.logf("Firefox policy: %s\\%s is already set; left as it is", FirefoxCertificatesKey, FirefoxEnterpriseRoots)
	}
	return errs
}

// untrustWindows undoes trustWindows for the CA of tlsDir.
func (o *Options) untrustWindows(tlsDir string) []error {
	machine := o.Scope == System
	var errs []error
	if caPEM, err := os.ReadFile(filepath.Join(tlsDir, "ca.pem")); err == nil {
		if der, err := caDER(caPEM); err == nil {
			removed, err := rootStoreRemove(machine, der)
			if err != nil {
				errs = append(errs, &StepError{Step: "certificate store", Err: err})
			} else if removed {
				o.logf("certificate store: removed the local CA from %s", rootStoreName(machine))
			}
		}
	}
	marker := filepath.Join(tlsDir, FirefoxPolicyMarker)
	if _, err := os.Stat(marker); err == nil {
		if err := unsetFirefoxEnterpriseRoots(machine); err != nil {
			errs = append(errs, &StepError{Step: "Firefox policy", Err: fmt.Errorf("%s: %w", FirefoxEnterpriseRoots, err)})
		} else {
			winRemove(marker)
			o.logf("Firefox policy: removed %s\\%s", FirefoxCertificatesKey, FirefoxEnterpriseRoots)
		}
	}
	return errs
}

// rootStoreName names the Root store as Windows' tools do.
func rootStoreName(machine bool) string {
	if machine {
		return `LocalMachine\Root`
	}
	return `CurrentUser\Root`
}

// WindowsMachineTLSDir is the folder of the machine's loopback
// certificate on Windows, made by `zavera install --system` (the MSI):
// %ProgramData%\Zavera\tls. Every user's agent serves it when it is
// there; its key is readable by the machine's users, as on Linux.
func WindowsMachineTLSDir() string {
	pd := os.Getenv("ProgramData")
	if pd == "" {
		pd = `C:\ProgramData`
	}
	return filepath.Join(pd, "Zavera", "tls")
}
