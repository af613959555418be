package installer

import (
	"encoding/json"
	"os"
	"runtime"
)

// Status is what an installation left in place, for diagnostics.
type Status struct {
	// Autostart lists the entries that start the agent at login.
	Autostart []string `json:"autostart"`
	// Policies lists Zavera's browser policy files and the portals they
	// pre-allow.
	Policies []PolicyStatus `json:"browser_policies"`
}

// PolicyStatus is one browser's policy file.
type PolicyStatus struct {
	Browser string   `json:"browser"`
	File    string   `json:"file"`
	URLs    []string `json:"urls"`
	Error   string   `json:"error,omitempty"`
}

// Status reads the autostart entries and policy files under Root and
// Home. On Windows, where these live in the registry, it is empty.
func (o *Options) Status() Status {
	s := Status{Autostart: []string{}, Policies: []PolicyStatus{}}
	if runtime.GOOS == "windows" {
		return s
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
