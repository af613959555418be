package installer

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// On Windows, Install and Uninstall put the local CA into the Root
// certificate store through crypt32 and set Firefox's enterprise roots
// policy in this process (windowstrust.go), and use reg.exe for the
// browser policies, the native messaging host and the Run key that
// starts the agent at login. The reg.exe commands are built by
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

// windowsInstallCommands are the commands that set the policies, the
// native messaging host and the Run key.
func (o *Options) windowsInstallCommands(exe string) ([][]string, error) {
	var cmds [][]string
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

// windowsUninstallCommands undo windowsInstallCommands.
func (o *Options) windowsUninstallCommands() [][]string {
	var cmds [][]string
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

// windowsTLSDir is where the loopback certificate lives on Windows: the
// machine's (WindowsMachineTLSDir) for Scope System, else the state
// folder's tls/ (%AppData%\zavera\tls unless StateDir says).
func (o *Options) windowsTLSDir() (string, error) {
	if o.Scope == System {
		return WindowsMachineTLSDir(), nil
	}
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
	caPEM, err := o.ensureTLS(dir)
	if err != nil {
		return err
	}
	exe := o.Exe
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return &StepError{Step: "autostart", Err: err}
		}
	}
	cmds, err := o.windowsInstallCommands(exe)
	if err != nil {
		return &StepError{Step: "browser policies", Err: err}
	}
	errs := o.trustWindows(dir, caPEM)
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
	errs := o.untrustWindows(dir)
	for _, c := range o.windowsUninstallCommands() {
		if _, err := runTool(nil, c[0], c[1:]...); err == nil {
			o.logf("%s: %s", windowsStep(c), strings.Join(c, " "))
		}
	}
	if mdir, err := o.windowsHostManifestDir(); err == nil {
		hostExe, _ := o.HostExe()
		for path := range windowsHostManifests(mdir, hostExe) {
			if err := winRemove(path); err != nil {
				errs = append(errs, &StepError{Step: "native messaging host", Path: path, Err: err})
			}
		}
		if o.Scope == User {
			winRemove(mdir)
		}
	}
	if err := winRemoveAll(dir); err != nil {
		errs = append(errs, &StepError{Step: "local TLS", Path: dir, Err: err})
	} else if o.Scope == System {
		// %ProgramData%\Zavera, when nothing else is in it.
		if entries, err := os.ReadDir(filepath.Dir(dir)); err == nil && len(entries) == 0 {
			winRemove(filepath.Dir(dir))
		}
	}
	return errors.Join(errs...)
}

// windowsStoreHas reports whether the Root store of the scope holds the
// CA, and names the store.
func windowsStoreHas(o *Options, caPEM []byte) (bool, string) {
	machine := o.Scope == System
	der, err := caDER(caPEM)
	if err != nil {
		return false, ""
	}
	has, _ := rootStoreHas(machine, der)
	return has, rootStoreName(machine)
}

func windowsStep(c []string) string {
	switch {
	case strings.Contains(strings.Join(c, " "), RunKey):
		return "autostart"
	case strings.Contains(strings.Join(c, " "), "NativeMessagingHosts"):
		return "native messaging host"
	}
	return "browser policy"
}
