package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
)

// SystemConfigPath is the machine-wide configuration an administrator (or
// the installer) writes for every user of the machine: /etc/zavera on
// Linux and the BSDs, /Library/Application Support/Zavera on macOS,
// %ProgramData%\Zavera on Windows.
func SystemConfigPath() string {
	switch runtime.GOOS {
	case "windows":
		dir := os.Getenv("ProgramData")
		if dir == "" {
			dir = `C:\ProgramData`
		}
		return filepath.Join(dir, "Zavera", "config.json")
	case "darwin":
		return "/Library/Application Support/Zavera/config.json"
	}
	return "/etc/zavera/config.json"
}

// ApplyPolicy merges the machine-wide configuration at path into c, the
// user's. A missing file changes nothing. The administrator's word adds to
// the user's and wins where the two cannot both hold:
//
//   - origins, development origins, state portal origins and modules are
//     added to the user's;
//   - a port set there replaces the user's, so that every page of the
//     organisation finds the agent where the policy says;
//   - noModuleDiscovery set there holds, pinning the organisation's
//     token driver;
//   - a limit set there replaces the user's;
//   - trust anchors are added to the user's; a trusted list set there
//     replaces the user's;
//   - a tsaURL set there replaces the user's and is pinned: pages may not
//     name their own time-stamping authority, whatever pageTSA says;
//   - rawSignOrigins is taken from there alone: the user's configuration
//     setting it is an error, since a bare signature over a page's hash
//     can stand for any signature (see signHash).
//
// The state folder is always the user's own.
func ApplyPolicy(c Config, path string) (Config, error) {
	if len(c.RawSignOrigins) > 0 {
		return c, ErrUserRawSignOrigins
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	p, err := LoadConfig(path)
	if err != nil {
		return c, fmt.Errorf("agent: machine-wide configuration: %w", err)
	}
	raw, err := rawPolicy(path)
	if err != nil {
		return c, err
	}
	// The file's origins are the portal's when it names none, as
	// LoadConfig reads it.
	if raw.Origins == nil {
		raw.Origins = p.Origins
	}
	return MergePolicy(c, raw)
}

// MergePolicy merges a machine-wide policy p into c by the rules of
// ApplyPolicy. p holds only what the administrator set: a zero member
// changes nothing, so p is read without defaults. ApplyPolicy uses it for
// the machine-wide file; on Windows the group policy in the registry is
// merged with it after the file (see internal/regpolicy), so that where
// both set a port or a limit the registry's wins. rawSignOrigins from
// several policies add up; the user's own may not set it, which
// ApplyPolicy checks.
func MergePolicy(c, p Config) (Config, error) {
	c.Origins = union(c.Origins, p.Origins)
	c.DevOrigins = union(c.DevOrigins, p.DevOrigins)
	c.StatePortalOrigins = union(c.StatePortalOrigins, p.StatePortalOrigins)
	c.Modules = union(c.Modules, p.Modules)
	c.TrustAnchors = union(c.TrustAnchors, p.TrustAnchors)
	if p.TrustList != "" {
		c.TrustList = p.TrustList
	}
	if p.TSAURL != "" {
		c.TSAURL, c.tsaPinned = p.TSAURL, true
	}
	c.PageTSA = c.PageTSA || p.PageTSA
	c.RawSignOrigins = union(c.RawSignOrigins, p.RawSignOrigins)
	if p.Port != 0 {
		c.Port = p.Port
	}
	c.NoModuleDiscovery = c.NoModuleDiscovery || p.NoModuleDiscovery
	c.Limits = overrideLimits(c.Limits, p.Limits)
	// The administrator's module host deadlines and limits win, as limits
	// do. Running drivers in process is not the administrator's to choose
	// for the user: it only takes protection away.
	if m := p.ModuleHosts; m.CallTimeout != 0 || m.SlowCallTimeout != 0 || m.MaxBackoff != 0 || m.MaxMemoryBytes != 0 || m.MaxHandles != 0 {
		if m.CallTimeout != 0 {
			c.ModuleHosts.CallTimeout = m.CallTimeout
		}
		if m.SlowCallTimeout != 0 {
			c.ModuleHosts.SlowCallTimeout = m.SlowCallTimeout
		}
		if m.MaxBackoff != 0 {
			c.ModuleHosts.MaxBackoff = m.MaxBackoff
		}
		if m.MaxMemoryBytes != 0 {
			c.ModuleHosts.MaxMemoryBytes = m.MaxMemoryBytes
		}
		if m.MaxHandles != 0 {
			c.ModuleHosts.MaxHandles = m.MaxHandles
		}
	}
	// The administrator's journal settings win, as limits do.
	if p.Journal.MaxFileBytes != 0 {
		c.Journal.MaxFileBytes = p.Journal.MaxFileBytes
	}
	if p.Journal.KeepFiles != 0 {
		c.Journal.KeepFiles = p.Journal.KeepFiles
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// ErrUserRawSignOrigins refuses a user's configuration that lists
// rawSignOrigins: only the machine-wide configuration may.
var ErrUserRawSignOrigins = errors.New("agent: rawSignOrigins may be set only in the machine-wide configuration")

// rawPolicy reads the file without defaults, to tell a field the
// administrator set from one LoadConfig filled in.
func rawPolicy(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("agent: machine-wide configuration: %w", err)
	}
	var c Config
	if err := decodeStrict(data, &c); err != nil {
		return Config{}, fmt.Errorf("agent: machine-wide configuration %s: %w", path, err)
	}
	return c, nil
}

// overrideLimits returns l with every limit that o sets (a positive
// value); withDefaults uses it to fill unset limits from the defaults.
func overrideLimits(l, o Limits) Limits {
	if o.MaxMessageBytes > 0 {
		l.MaxMessageBytes = o.MaxMessageBytes
	}
	if o.MaxConnections > 0 {
		l.MaxConnections = o.MaxConnections
	}
	if o.MaxUnapprovedMessageBytes > 0 {
		l.MaxUnapprovedMessageBytes = o.MaxUnapprovedMessageBytes
	}
	if o.MaxBufferedBytes > 0 {
		l.MaxBufferedBytes = o.MaxBufferedBytes
	}
	if o.MessageTimeout > 0 {
		l.MessageTimeout = o.MessageTimeout
	}
	if o.UnapprovedIdle > 0 {
		l.UnapprovedIdle = o.UnapprovedIdle
	}
	if o.MaxInFlight > 0 {
		l.MaxInFlight = o.MaxInFlight
	}
	if o.MaxBatch > 0 {
		l.MaxBatch = o.MaxBatch
	}
	if o.PromptTimeout > 0 {
		l.PromptTimeout = o.PromptTimeout
	}
	if o.CancelsBeforeCooldown > 0 {
		l.CancelsBeforeCooldown = o.CancelsBeforeCooldown
	}
	if o.Cooldown > 0 {
		l.Cooldown = o.Cooldown
	}
	if o.PINAttempts > 0 {
		l.PINAttempts = o.PINAttempts
	}
	if o.PairingPromptsPerMinute > 0 {
		l.PairingPromptsPerMinute = o.PairingPromptsPerMinute
	}
	if o.PairingPromptsPerSite > 0 {
		l.PairingPromptsPerSite = o.PairingPromptsPerSite
	}
	if o.PairingWaitingPerSite > 0 {
		l.PairingWaitingPerSite = o.PairingWaitingPerSite
	}
	if o.IdleLogout > 0 {
		l.IdleLogout = o.IdleLogout
	}
	return l
}

// union appends to a the elements of b it lacks, keeping a's order.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
