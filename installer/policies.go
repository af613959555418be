package installer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Browser is a Chromium-family browser that reads policy files on Linux
// and registry keys on Windows.
type Browser struct {
	Name string
	// LinuxDir is its managed-policy folder under Root.
	LinuxDir []string
	// stop is the folder above LinuxDir that uninstalling never removes.
	stop []string
	// RegistryKey is its policy key under HKCU or HKLM.
	RegistryKey string
}

// PolicyBrowsers are the browsers whose policies Zavera sets.
var PolicyBrowsers = []Browser{
	{Name: "Google Chrome", LinuxDir: []string{"etc", "opt", "chrome", "policies", "managed"}, stop: []string{"etc", "opt"},
		RegistryKey: `Software\Policies\Google\Chrome`},
	{Name: "Chromium", LinuxDir: []string{"etc", "chromium", "policies", "managed"}, stop: []string{"etc"},
		RegistryKey: `Software\Policies\Chromium`},
	{Name: "Yandex Browser", LinuxDir: []string{"etc", "opt", "yandex", "browser", "policies", "managed"}, stop: []string{"etc", "opt"},
		RegistryKey: `Software\Policies\YandexBrowser`},
	// Edge has the policy since version 140 (Windows, Linux and macOS).
	{Name: "Microsoft Edge", LinuxDir: []string{"etc", "opt", "edge", "policies", "managed"}, stop: []string{"etc", "opt"},
		RegistryKey: `Software\Policies\Microsoft\Edge`},
}

// PolicyURLs checks the portal origins and returns them as Chrome URL
// patterns: https scheme, host and an optional port, nothing else.
func PolicyURLs(origins []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" ||
			strings.ContainsAny(u.Host, "*\"\\ ") {
			return nil, fmt.Errorf("%w: %q", ErrBadOrigin, o)
		}
		p := "https://" + strings.ToLower(u.Host)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// PolicyJSON is the content of Zavera's policy file.
func PolicyJSON(origins []string) ([]byte, error) {
	urls, err := PolicyURLs(origins)
	if err != nil {
		return nil, err
	}
	if urls == nil {
		urls = []string{}
	}
	data, err := json.MarshalIndent(map[string][]string{PolicyName: urls}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// PolicyFile is the path of Zavera's policy file for b under Root.
func (o *Options) PolicyFile(b Browser) string {
	return filepath.Join(o.root(b.LinuxDir...), PolicyFileName)
}

// installPolicies writes the policy file of every browser.
func (o *Options) installPolicies() []error {
	data, err := PolicyJSON(o.Origins)
	if err != nil {
		return []error{&StepError{Step: "browser policies", Err: err}}
	}
	var errs []error
	for _, b := range PolicyBrowsers {
		path := o.PolicyFile(b)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			errs = append(errs, &StepError{Step: "browser policy", Path: path, Err: err})
			continue
		}
		if err := writeAtomic(path, data, 0o644); err != nil {
			errs = append(errs, &StepError{Step: "browser policy", Path: path, Err: err})
			continue
		}
		o.logf("browser policy (%s): %s", b.Name, path)
	}
	return errs
}

// uninstallPolicies removes Zavera's policy files and the folders that
// held only them.
func (o *Options) uninstallPolicies() []error {
	var errs []error
	for _, b := range PolicyBrowsers {
		path := o.PolicyFile(b)
		removed, err := removeFile(path)
		if err != nil {
			errs = append(errs, &StepError{Step: "browser policy", Path: path, Err: err})
			continue
		}
		if removed {
			removeEmptyParents(path, o.root(b.stop...))
			o.logf("browser policy (%s): removed %s", b.Name, path)
		}
	}
	return errs
}
