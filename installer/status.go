package installer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
)

// Status is what an installation left in place, for diagnostics.
type Status struct {
	// Autostart lists the entries that start the agent at login.
	Autostart []string `json:"autostart"`
	// Policies lists Zavera's browser policy files and the portals they
	// pre-allow.
	Policies []PolicyStatus `json:"browser_policies"`
	// NativeHosts lists the browsers with which the extension's native
	// messaging host is registered, in the machine's folders and the
	// user's (the registry on Windows), and what is wrong with each.
	NativeHosts []HostStatus `json:"native_messaging_hosts"`
}

// PolicyStatus is one browser's policy file.
type PolicyStatus struct {
	Browser string   `json:"browser"`
	File    string   `json:"file"`
	URLs    []string `json:"urls"`
	Error   string   `json:"error,omitempty"`
}

// Status reads the autostart entries, policy files and host manifests
// under Root and Home. On Windows, where these live in the registry, it
// lists the host's registry keys only.
func (o *Options) Status() Status {
	s := Status{Autostart: []string{}, Policies: []PolicyStatus{}, NativeHosts: []HostStatus{}}
	if runtime.GOOS == "windows" {
		s.NativeHosts = o.windowsHostStatus()
		return s
	}
	for i := range HostBrowsers {
		b := &HostBrowsers[i]
		paths := []string{filepath.Join(o.home(b.UserDir...), HostManifestName)}
		if b.SystemDir != nil {
			paths = append(paths, filepath.Join(o.root(b.SystemDir...), HostManifestName))
		}
		for _, p := range paths {
			if fileExists(p) {
				s.NativeHosts = append(s.NativeHosts, checkHostManifest(b, p))
			}
		}
	}
	for _, p := range []string{o.SystemAutostart(), o.UserAutostart()} {
		if fileExists(p) {
			s.Autostart = append(s.Autostart, p)
		}
	}
	for _, b := range PolicyBrowsers {
		path := o.PolicyFile(b)
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		ps := PolicyStatus{Browser: b.Name, File: path}
		var pol map[string][]string
		if err := json.Unmarshal(data, &pol); err != nil {
			ps.Error = err.Error()
		} else {
			ps.URLs = pol[PolicyName]
		}
		s.Policies = append(s.Policies, ps)
	}
	return s
}
