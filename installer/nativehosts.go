package installer

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/zavera/zavera/internal/browserext"
)

// The native messaging host of the Zavera extension (program zavera-host,
// host name ru.zavera.host) is registered with each browser by a manifest:
// a JSON file in the browser's host folder on Linux, a file named by a
// registry key on Windows. Chromium browsers admit the extension by its
// origin (allowed_origins), Firefox by its id (allowed_extensions).

// HostProgram is the host's executable name, beside zavera.
const HostProgram = "zavera-host"

// HostBrowser is a browser that starts native messaging hosts.
type HostBrowser struct {
	Name    string
	Firefox bool
	// UserDir is the user's host folder, under Home; the manifest is
	// written there only when the browser's own folder (UserDir without
	// its last element) exists, so that no browser that is not installed
	// gets a folder.
	UserDir []string
	// SystemDir is the machine's host folder under Root; nil when the
	// browser reads none.
	SystemDir []string
	// systemStop is the folder above SystemDir that uninstalling never
	// removes.
	systemStop []string
	// RegistryKey is the key under HKCU or HKLM whose subkey HostName
	// names the manifest (Windows).
	RegistryKey string
}

// HostBrowsers are the browsers Zavera registers its host with.
var HostBrowsers = []HostBrowser{
	{Name: "Google Chrome", UserDir: []string{".config", "google-chrome", "NativeMessagingHosts"},
		SystemDir: []string{"etc", "opt", "chrome", "native-messaging-hosts"}, systemStop: []string{"etc", "opt"},
		RegistryKey: `Software\Google\Chrome\NativeMessagingHosts`},
	{Name: "Chromium", UserDir: []string{".config", "chromium", "NativeMessagingHosts"},
		SystemDir: []string{"etc", "chromium", "native-messaging-hosts"}, systemStop: []string{"etc"},
		RegistryKey: `Software\Chromium\NativeMessagingHosts`},
	{Name: "Yandex Browser", UserDir: []string{".config", "yandex-browser", "NativeMessagingHosts"},
		RegistryKey: `Software\Yandex\YandexBrowser\NativeMessagingHosts`},
	{Name: "Microsoft Edge", UserDir: []string{".config", "microsoft-edge", "NativeMessagingHosts"},
		SystemDir: []string{"etc", "opt", "edge", "native-messaging-hosts"}, systemStop: []string{"etc", "opt"},
		RegistryKey: `Software\Microsoft\Edge\NativeMessagingHosts`},
	{Name: "Firefox", Firefox: true, UserDir: []string{".mozilla", "native-messaging-hosts"},
		SystemDir: []string{"usr", "lib", "mozilla", "native-messaging-hosts"}, systemStop: []string{"usr", "lib"},
		RegistryKey: `Software\Mozilla\NativeMessagingHosts`},
}

// HostManifestName is the manifest's file name.
const HostManifestName = browserext.HostName + ".json"

// hostManifest is a native messaging host manifest.
type hostManifest struct {
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	Path              string   `json:"path"`
	Type              string   `json:"type"`
	AllowedOrigins    []string `json:"allowed_origins,omitempty"`
	AllowedExtensions []string `json:"allowed_extensions,omitempty"`
}

// HostManifest is the manifest for a Chromium browser, or for Firefox,
// naming the host program at exe.
func HostManifest(exe string, firefox bool) []byte {
	m := hostManifest{Name: browserext.HostName, Description: "Zavera: electronic signatures for web pages",
		Path: exe, Type: "stdio"}
	if firefox {
		m.AllowedExtensions = []string{browserext.FirefoxExtensionID}
	} else {
		m.AllowedOrigins = []string{browserext.ChromiumOrigin}
	}
	data, _ := json.MarshalIndent(m, "", "  ")
	return append(data, '\n')
}

// HostExe is the host program the manifests name: zavera-host beside
// Options.Exe (or beside this executable).
func (o *Options) HostExe() (string, error) {
	exe := o.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return "", err
		}
	}
	name := HostProgram
	if filepath.Ext(exe) == ".exe" {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(exe), name), nil
}

// hostManifestPaths are the manifests of the scope's Linux folders, by
// browser; for the user, only browsers whose folder exists.
func (o *Options) hostManifestPaths() map[*HostBrowser]string {
	out := map[*HostBrowser]string{}
	for i := range HostBrowsers {
		b := &HostBrowsers[i]
		if o.Scope == System {
			if b.SystemDir != nil {
				out[b] = filepath.Join(o.root(b.SystemDir...), HostManifestName)
			}
			continue
		}
		if dirExists(o.home(b.UserDir[:len(b.UserDir)-1]...)) {
			out[b] = filepath.Join(o.home(b.UserDir...), HostManifestName)
		}
	}
	return out
}

// installHostManifests writes the manifests of the scope's browsers.
func (o *Options) installHostManifests() []error {
	exe, err := o.HostExe()
	if err != nil {
		return []error{&StepError{Step: "native messaging host", Err: err}}
	}
	var errs []error
	for b, path := range o.hostManifestPaths() {
		data := HostManifest(exe, b.Firefox)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			errs = append(errs, &StepError{Step: "native messaging host", Path: path, Err: err})
			continue
		}
		if err := writeAtomic(path, data, 0o644); err != nil {
			errs = append(errs, &StepError{Step: "native messaging host", Path: path, Err: err})
			continue
		}
		o.logf("native messaging host (%s): %s", b.Name, path)
	}
	return errs
}

// uninstallHostManifests removes the manifests of every browser in the
// scope (installed or not) and the host folders that held only them.
func (o *Options) uninstallHostManifests() []error {
	var errs []error
	for i := range HostBrowsers {
		b := &HostBrowsers[i]
		var path, stop string
		if o.Scope == System {
			if b.SystemDir == nil {
				continue
			}
			path, stop = filepath.Join(o.root(b.SystemDir...), HostManifestName), o.root(b.systemStop...)
		} else {
			path, stop = filepath.Join(o.home(b.UserDir...), HostManifestName), o.home(b.UserDir[:len(b.UserDir)-1]...)
		}
		removed, err := removeFile(path)
		if err != nil {
			errs = append(errs, &StepError{Step: "native messaging host", Path: path, Err: err})
			continue
		}
		if removed {
			removeEmptyParents(path, stop)
			o.logf("native messaging host (%s): removed %s", b.Name, path)
		}
	}
	return errs
}

// HostStatus is one browser's registration of the host.
type HostStatus struct {
	Browser string `json:"browser"`
	// File is the manifest (Linux) or the registry key (Windows).
	File string `json:"file"`
	// Program is the program the manifest names.
	Program string `json:"program,omitempty"`
	// Error says what is wrong: an unreadable manifest, another
	// extension admitted, a program that is not there.
	Error string `json:"error,omitempty"`
}

// ErrHostManifest is a manifest that would not let the browser start the
// host for the Zavera extension.
var ErrHostManifest = errors.New("the native messaging host manifest is not Zavera's")

// checkHostManifest reads a manifest and says what is wrong with it.
func checkHostManifest(b *HostBrowser, path string) HostStatus {
	st := HostStatus{Browser: b.Name, File: path}
	data, err := os.ReadFile(path)
	if err != nil {
		st.Error = err.Error()
		return st
	}
	var m hostManifest
	if err := json.Unmarshal(data, &m); err != nil {
		st.Error = err.Error()
		return st
	}
	st.Program = m.Path
	allowed := m.AllowedOrigins
	want := browserext.ChromiumOrigin
	if b.Firefox {
		allowed, want = m.AllowedExtensions, browserext.FirefoxExtensionID
	}
	switch {
	case m.Name != browserext.HostName || m.Type != "stdio" || len(allowed) != 1 || allowed[0] != want:
		st.Error = ErrHostManifest.Error()
	case !filepath.IsAbs(m.Path):
		st.Error = "the program is not named by an absolute path: " + m.Path
	case !fileExists(m.Path):
		st.Error = "the program is not there: " + m.Path
	}
	return st
}

// On Windows the manifests are files in a folder of Zavera's (the user's
// state folder, or the program's folder for the machine), and each
// browser finds them through the default value of
// HIVE\<RegistryKey>\ru.zavera.host.

// windowsHostManifests are the manifest files to write on Windows: the
// Chromium one and Firefox's, in dir.
func windowsHostManifests(dir, hostExe string) map[string][]byte {
	return map[string][]byte{
		filepath.Join(dir, HostManifestName):                    HostManifest(hostExe, false),
		filepath.Join(dir, browserext.HostName+".firefox.json"): HostManifest(hostExe, true),
	}
}

// windowsHostManifestDir is the folder of the manifests on Windows.
func (o *Options) windowsHostManifestDir() (string, error) {
	if o.Scope == System {
		exe, err := o.HostExe()
		if err != nil {
			return "", err
		}
		return filepath.Dir(exe), nil
	}
	tls, err := o.windowsTLSDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(tls), "native-messaging"), nil
}

// windowsHostCommands register the manifests in dir with every browser.
func (o *Options) windowsHostCommands(dir string) [][]string {
	var cmds [][]string
	for _, b := range HostBrowsers {
		file := filepath.Join(dir, HostManifestName)
		if b.Firefox {
			file = filepath.Join(dir, browserext.HostName+".firefox.json")
		}
		cmds = append(cmds, []string{"reg.exe", "add", o.windowsHive() + `\` + b.RegistryKey + `\` + browserext.HostName,
			"/ve", "/t", "REG_SZ", "/d", file, "/f"})
	}
	return cmds
}

// windowsHostUninstallCommands remove the registrations.
func (o *Options) windowsHostUninstallCommands() [][]string {
	var cmds [][]string
	for _, b := range HostBrowsers {
		cmds = append(cmds, []string{"reg.exe", "delete", o.windowsHive() + `\` + b.RegistryKey + `\` + browserext.HostName, "/f"})
	}
	return cmds
}

// windowsHostStatus asks reg.exe which browsers have the host
// registered, in the scope's hive.
func (o *Options) windowsHostStatus() []HostStatus {
	out := []HostStatus{}
	for i := range HostBrowsers {
		b := &HostBrowsers[i]
		key := o.windowsHive() + `\` + b.RegistryKey + `\` + browserext.HostName
		text, err := runTool(nil, "reg.exe", "query", key, "/ve")
		if err != nil {
			continue
		}
		file := regDefaultValue(text)
		st := checkHostManifest(b, file)
		st.File = key + " = " + file
		out = append(out, st)
	}
	return out
}

// regDefaultValue picks the data of the REG_SZ line of `reg query /ve`.
func regDefaultValue(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, "REG_SZ"); i >= 0 {
			return strings.TrimSpace(line[i+len("REG_SZ"):])
		}
	}
	return ""
}
