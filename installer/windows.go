package installer

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// On Windows, Install and Uninstall work through the system's own tools:
// certutil.exe for the certificate store (the user's Root store, or the
// machine's with Scope System) and reg.exe for the browser policies and
// the Run key that starts the agent at login. The commands are built by
// windowsInstallCommands and windowsUninstallCommands so that they can be
// checked on any system.

// RunKey is the registry key whose value "Zavera" starts the agent at
// login.
const RunKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// windowsHive is HKLM for the machine, HKCU for the user.
func (o *Options) windowsHive() string {
	if o.Scope == System {
		return "HKLM"
	}
	return "HKCU"
}

// windowsInstallCommands are the commands that trust caFile, set the
// policies and the Run key.
func (o *Options) windowsInstallCommands(caFile, exe string) ([][]string, error) {
	store := []string{"certutil.exe", "-user", "-addstore", "-f", "Root", caFile}
	if o.Scope == System {
		store = []string{"certutil.exe", "-addstore", "-f", "Root", caFile}
	}
	cmds := [][]string{store}
	hive := o.windowsHive()
	if o.BrowserPolicies {
		urls, err := PolicyURLs(o.Origins)
		if err != nil {
			return nil, err
		}
		for _, b := range PolicyBrowsers {
			key := hive + `\` + b.RegistryKey + `\` + PolicyName
			cmds = append(cmds, []string{"reg.exe", "delete", key, "/f"})
			for i, u := range urls {
				cmds = append(cmds, []string{"reg.exe", "add", key, "/v", strconv.Itoa(i + 1), "/t", "REG_SZ", "/d", u, "/f"})
			}
		}
	}
	if dir, err := o.windowsHostManifestDir(); err == nil {
		cmds = append(cmds, o.windowsHostCommands(dir)...)
	}
	if o.Scope == User {
		cmds = append(cmds, []string{"reg.exe", "add", `HKCU\` + RunKey, "/v", "Zavera", "/t", "REG_SZ",
			"/d", `"` + exe + `" serve --tls`, "/f"})
	}
	return cmds, nil
}

// windowsUninstallCommands undo windowsInstallCommands; thumbprint is
// the CA's SHA-1 in hex, which certutil.exe takes to name it.
func (o *Options) windowsUninstallCommands(thumbprint string) [][]string {
	var cmds [][]string
	if thumbprint != "" {
		if o.Scope == System {
			cmds = append(cmds, []string{"certutil.exe", "-delstore", "Root", thumbprint})
		} else {
			cmds = append(cmds, []string{"certutil.exe", "-user", "-delstore", "Root", thumbprint})
		}
	}
	hive := o.windowsHive()
	for _, b := range PolicyBrowsers {
		cmds = append(cmds, []string{"reg.exe", "delete", hive + `\` + b.RegistryKey + `\` + PolicyName, "/f"})
	}
	cmds = append(cmds, o.windowsHostUninstallCommands()...)
	if o.Scope == User {
		cmds = append(cmds, []string{"reg.exe", "delete", `HKCU\` + RunKey, "/v", "Zavera", "/f"})
	}
	return cmds
}

// thumbprint is the SHA-1 of the certificate in caPEM, in hex.
func thumbprint(caPEM []byte) (string, error) {
	b, _ := pem.Decode(caPEM)
	if b == nil {
		return "", errors.New("no PEM certificate")
	}
	if _, err := x509.ParseCertificate(b.Bytes); err != nil {
		return "", err
	}
	sum := sha1.Sum(b.Bytes)
	return hex.EncodeToString(sum[:]), nil
}

// windowsTLSDir is where the loopback certificate lives on Windows: the
// state folder's tls/ (%AppData%\zavera\tls unless StateDir says).
func (o *Options) windowsTLSDir() (string, error) {
	if o.StateDir != "" {
		return filepath.Join(o.StateDir, "tls"), nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "zavera", "tls"), nil
}

func installWindows(o *Options) error {
	dir, err := o.windowsTLSDir()
	if err != nil {
		return &StepError{Step: "local TLS", Err: err}
	}
	if _, err := o.ensureTLS(dir); err != nil {
		return err
	}
	exe := o.Exe
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return &StepError{Step: "autostart", Err: err}
		}
	}
	cmds, err := o.windowsInstallCommands(filepath.Join(dir, "ca.pem"), exe)
	if err != nil {
		return &StepError{Step: "browser policies", Err: err}
	}
	var errs []error
	if dir, err := o.windowsHostManifestDir(); err != nil {
		errs = append(errs, &StepError{Step: "native messaging host", Err: err})
	} else if hostExe, err := o.HostExe(); err != nil {
		errs = append(errs, &StepError{Step: "native messaging host", Err: err})
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		errs = append(errs, &StepError{Step: "native messaging host", Path: dir, Err: err})
	} else {
		for path, data := range windowsHostManifests(dir, hostExe) {
			if err := writeAtomic(path, data, 0o644); err != nil {
				errs = append(errs, &StepError{Step: "native messaging host", Path: path, Err: err})
			}
		}
	}
	for _, c := range cmds {
		// Deleting a policy list that is not there fails harmlessly.
		if _, err := runTool(nil, c[0], c[1:]...); err != nil && !(c[0] == "reg.exe" && c[1] == "delete") {
			errs = append(errs, &StepError{Step: windowsStep(c), Err: err})
			continue
		}
		o.logf("%s: %s", windowsStep(c), strings.Join(c, " "))
	}
	return errors.Join(errs...)
}

func uninstallWindows(o *Options) error {
	dir, err := o.windowsTLSDir()
	if err != nil {
		return &StepError{Step: "local TLS", Err: err}
	}
	var tp string
	if caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem")); err == nil {
		tp, _ = thumbprint(caPEM)
	}
	for _, c := range o.windowsUninstallCommands(tp) {
		if _, err := runTool(nil, c[0], c[1:]...); err == nil {
			o.logf("%s: %s", windowsStep(c), strings.Join(c, " "))
		}
	}
	if mdir, err := o.windowsHostManifestDir(); err == nil {
		hostExe, _ := o.HostExe()
		for path := range windowsHostManifests(mdir, hostExe) {
			removeFile(path)
		}
		if o.Scope == User {
			os.Remove(mdir)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return &StepError{Step: "local TLS", Path: dir, Err: err}
	}
	return nil
}

// windowsStoreHas asks certutil.exe whether the Root store of the scope
// holds the CA.
func windowsStoreHas(o *Options, caPEM []byte) (bool, string) {
	tp, err := thumbprint(caPEM)
	if err != nil {
		return false, ""
	}
	args := []string{"-user", "-verifystore", "Root", tp}
	store := `CurrentUser\Root`
	if o.Scope == System {
		args, store = args[1:], `LocalMachine\Root`
	}
	_, err = runTool(nil, "certutil.exe", args...)
	return err == nil, store
}

func windowsStep(c []string) string {
	switch {
	case c[0] == "certutil.exe":
		return "certificate store"
	case strings.Contains(strings.Join(c, " "), RunKey):
		return "autostart"
	case strings.Contains(strings.Join(c, " "), "NativeMessagingHosts"):
		return "native messaging host"
	}
	return "browser policy"
}
