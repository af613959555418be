// Package regpolicy reads the machine-wide group policy of Windows,
// HKEY_LOCAL_MACHINE\Software\Policies\Zavera, as an agent.Config holding
// only what the administrator set, for agent.MergePolicy to merge into the
// user's configuration after the machine-wide file (see
// internal/appconf.LoadConfig). The values are the members of
// config.json; installer/windows/policy holds the ADMX template that
// writes them and docs/windows.md lists them.
//
// # Layout
//
//   - A list (Origins, DevOrigins, Modules, TrustAnchors,
//     RawSignOrigins, StatePortalOrigins) is a subkey of that name whose string values are
//     named 1, 2, 3… and taken in that order, as the ADMX list element
//     writes them; a REG_MULTI_SZ value of the same name is read too, its
//     strings after the subkey's.
//   - A number is a REG_DWORD (a REG_QWORD is read too); durations are in
//     seconds, their names end in Seconds. Zero leaves the member unset.
//   - A switch (NoModuleDiscovery, PageTSA) is a REG_DWORD of 0 or 1.
//   - A text (TrustList, TSAURL) is a REG_SZ or REG_EXPAND_SZ; empty leaves the
//     member unset.
//   - Limits, the journal's settings and the module hosts' deadlines and
//     limits are in the subkeys Limits, Journal and ModuleHosts. Running
//     drivers in process (moduleHosts.inProcess) is not a policy: it
//     only takes protection away.
//
// REG_EXPAND_SZ strings are expanded. A value or subkey the agent does not
// know, or of the wrong type, is an error (a *ValueError), as an unknown
// member of the machine-wide file is, so that a misspelt policy never
// goes unnoticed.
//
// # Rules
//
// The registry is read through Key, so that the decoding is the same, and
// tested, on every platform; Load opens the real key on Windows and finds
// no policy elsewhere. The functions keep no state and are safe for
// concurrent use.
package regpolicy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/zavera/zavera/agent"
)

// KeyPath is the policy key under HKEY_LOCAL_MACHINE.
const KeyPath = `Software\Policies\Zavera`

// Kind is the type of a value as the reader takes it.
type Kind int

// The kinds of values.
const (
	// KindOther is a type the reader has no use for (REG_BINARY…).
	KindOther Kind = iota
	// KindString is a REG_SZ or REG_EXPAND_SZ (expanded).
	KindString
	// KindStrings is a REG_MULTI_SZ.
	KindStrings
	// KindNumber is a REG_DWORD or REG_QWORD.
	KindNumber
)

// Value is one registry value: its strings or its number.
type Value struct {
	Kind    Kind
	Strings []string
	Number  uint64
}

// Key is an open registry key as the reader needs it.
type Key interface {
	ValueNames() ([]string, error)
	SubKeyNames() ([]string, error)
	Value(name string) (Value, error)
	OpenSubKey(name string) (Key, error)
	Close() error
}

// Type is how a policy value is written.
type Type string

// The types of the policy values.
const (
	// List is a subkey of numbered strings (or a REG_MULTI_SZ).
	List Type = "list"
	// Number is a REG_DWORD.
	Number Type = "dword"
	// Switch is a REG_DWORD of 0 or 1.
	Switch Type = "switch"
	// Text is a REG_SZ (or a REG_EXPAND_SZ, expanded).
	Text Type = "text"
)

// Spec describes one policy value: in subkey Key of KeyPath ("" for
// KeyPath itself), named Name, of type Type.
type Spec struct {
	Key  string
	Name string
	Type Type
	// Max is the largest number accepted (0: any that fits).
	Max uint64
	set func(c *agent.Config, v any)
}

// Values lists every value the reader understands, in the order of
// docs/windows.md.
func Values() []Spec { return slices.Clone(specs) }

func list(name string, field func(*agent.Config) *[]string) Spec {
	return Spec{Name: name, Type: List, set: func(c *agent.Config, v any) { *field(c) = v.([]string) }}
}

func text(name string, field func(*agent.Config) *string) Spec {
	return Spec{Name: name, Type: Text, set: func(c *agent.Config, v any) { *field(c) = v.(string) }}
}

func intValue(key, name string, max uint64, field func(*agent.Config) *int) Spec {
	return Spec{Key: key, Name: name, Type: Number, Max: max, set: func(c *agent.Config, v any) { *field(c) = int(v.(uint64)) }}
}

func bytesValue(key, name string, field func(*agent.Config) *int64) Spec {
	return Spec{Key: key, Name: name, Type: Number, Max: 1 << 62, set: func(c *agent.Config, v any) { *field(c) = int64(v.(uint64)) }}
}

// seconds is a duration in seconds in Limits, at most a year.
func seconds(name string, field func(*agent.Config) *agent.Duration) Spec {
	return secondsIn("Limits", name, field)
}

// secondsIn is a duration in seconds in subkey key, at most a year.
func secondsIn(key, name string, field func(*agent.Config) *agent.Duration) Spec {
	return Spec{Key: key, Name: name, Type: Number, Max: 366 * 24 * 3600, set: func(c *agent.Config, v any) {
		*field(c) = agent.Duration(time.Duration(v.(uint64)) * time.Second)
	}}
}

// counts bounds the limits that are counts: far above any sensible value,
// below what an int holds anywhere.
const counts = 1 << 30

var specs = []Spec{
	intValue("", "Port", 65535, func(c *agent.Config) *int { return &c.Port }),
	list("Origins", func(c *agent.Config) *[]string { return &c.Origins }),
	list("DevOrigins", func(c *agent.Config) *[]string { return &c.DevOrigins }),
	list("Modules", func(c *agent.Config) *[]string { return &c.Modules }),
	{Name: "NoModuleDiscovery", Type: Switch, set: func(c *agent.Config, v any) { c.NoModuleDiscovery = v.(bool) }},
	list("TrustAnchors", func(c *agent.Config) *[]string { return &c.TrustAnchors }),
	text("TrustList", func(c *agent.Config) *string { return &c.TrustList }),
	list("RawSignOrigins", func(c *agent.Config) *[]string { return &c.RawSignOrigins }),
	list("StatePortalOrigins", func(c *agent.Config) *[]string { return &c.StatePortalOrigins }),
	text("TSAURL", func(c *agent.Config) *string { return &c.TSAURL }),
	{Name: "PageTSA", Type: Switch, set: func(c *agent.Config, v any) { c.PageTSA = v.(bool) }},
	bytesValue("Limits", "MaxMessageBytes", func(c *agent.Config) *int64 { return &c.Limits.MaxMessageBytes }),
	intValue("Limits", "MaxConnections", counts, func(c *agent.Config) *int { return &c.Limits.MaxConnections }),
	bytesValue("Limits", "MaxUnapprovedMessageBytes", func(c *agent.Config) *int64 { return &c.Limits.MaxUnapprovedMessageBytes }),
	bytesValue("Limits", "MaxBufferedBytes", func(c *agent.Config) *int64 { return &c.Limits.MaxBufferedBytes }),
	seconds("MessageTimeoutSeconds", func(c *agent.Config) *agent.Duration { return &c.Limits.MessageTimeout }),
	seconds("UnapprovedIdleSeconds", func(c *agent.Config) *agent.Duration { return &c.Limits.UnapprovedIdle }),
	intValue("Limits", "MaxInFlight", counts, func(c *agent.Config) *int { return &c.Limits.MaxInFlight }),
	intValue("Limits", "MaxBatch", counts, func(c *agent.Config) *int { return &c.Limits.MaxBatch }),
	seconds("PromptTimeoutSeconds", func(c *agent.Config) *agent.Duration { return &c.Limits.PromptTimeout }),
	intValue("Limits", "CancelsBeforeCooldown", counts, func(c *agent.Config) *int { return &c.Limits.CancelsBeforeCooldown }),
	seconds("CooldownSeconds", func(c *agent.Config) *agent.Duration { return &c.Limits.Cooldown }),
	intValue("Limits", "PINAttempts", counts, func(c *agent.Config) *int { return &c.Limits.PINAttempts }),
	intValue("Limits", "PairingPromptsPerMinute", counts, func(c *agent.Config) *int { return &c.Limits.PairingPromptsPerMinute }),
	intValue("Limits", "PairingPromptsPerSite", counts, func(c *agent.Config) *int { return &c.Limits.PairingPromptsPerSite }),
	intValue("Limits", "PairingWaitingPerSite", counts, func(c *agent.Config) *int { return &c.Limits.PairingWaitingPerSite }),
	seconds("IdleLogoutSeconds", func(c *agent.Config) *agent.Duration { return &c.Limits.IdleLogout }),
	bytesValue("Journal", "MaxFileBytes", func(c *agent.Config) *int64 { return &c.Journal.MaxFileBytes }),
	intValue("Journal", "KeepFiles", counts, func(c *agent.Config) *int { return &c.Journal.KeepFiles }),
	secondsIn("ModuleHosts", "CallTimeoutSeconds", func(c *agent.Config) *agent.Duration { return &c.ModuleHosts.CallTimeout }),
	secondsIn("ModuleHosts", "SlowCallTimeoutSeconds", func(c *agent.Config) *agent.Duration { return &c.ModuleHosts.SlowCallTimeout }),
	secondsIn("ModuleHosts", "MaxBackoffSeconds", func(c *agent.Config) *agent.Duration { return &c.ModuleHosts.MaxBackoff }),
	bytesValue("ModuleHosts", "MaxMemoryBytes", func(c *agent.Config) *int64 { return &c.ModuleHosts.MaxMemoryBytes }),
	intValue("ModuleHosts", "MaxHandles", counts, func(c *agent.Config) *int { return &c.ModuleHosts.MaxHandles }),
}

// Errors a *ValueError wraps.
var (
	// ErrUnknown is a value or subkey the agent does not know.
	ErrUnknown = errors.New("not a Zavera policy")
	// ErrType is a value of the wrong registry type.
	ErrType = errors.New("wrong registry type")
	// ErrRange is a number out of range, or a list value whose name is
	// not a number.
	ErrRange = errors.New("out of range")
)

// ValueError is a policy value the agent cannot use.
type ValueError struct {
	// Path is the value's key and name under HKEY_LOCAL_MACHINE.
	Path string
	Err  error
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("group policy HKEY_LOCAL_MACHINE\\%s: %v", e.Path, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

// Decode reads the policy key k (KeyPath) into a configuration that holds
// only the members it sets.
func Decode(k Key) (agent.Config, error) {
	var c agent.Config
	for _, sub := range []string{"", "Limits", "Journal", "ModuleHosts"} {
		if err := decodeKey(k, sub, &c); err != nil {
			return agent.Config{}, err
		}
	}
	return c, nil
}

// path names a value (or subkey) of the policy for errors.
func path(sub, name string) string {
	p := KeyPath
	if sub != "" {
		p += `\` + sub
	}
	if name != "" {
		p += `\` + name
	}
	return p
}

// decodeKey reads the values of subkey sub of k ("" for k itself) into c.
func decodeKey(root Key, sub string, c *agent.Config) error {
	k := root
	if sub != "" {
		if !slices.Contains(mustSubKeys(root), sub) {
			return nil
		}
		var err error
		if k, err = root.OpenSubKey(sub); err != nil {
			return fmt.Errorf("group policy HKEY_LOCAL_MACHINE\\%s: %w", path(sub, ""), err)
		}
		defer k.Close()
	}
	known := map[string]Spec{}
	for _, s := range specs {
		if s.Key == sub {
			known[s.Name] = s
		}
	}
	subs, err := k.SubKeyNames()
	if err != nil {
		return fmt.Errorf("group policy HKEY_LOCAL_MACHINE\\%s: %w", path(sub, ""), err)
	}
	lists := map[string][]string{}
	for _, name := range subs {
		s, ok := known[name]
		switch {
		case ok && s.Type == List:
			if lists[name], err = readList(k, sub, name); err != nil {
				return err
			}
		case sub == "" && (name == "Limits" || name == "Journal" || name == "ModuleHosts"):
		default:
			return &ValueError{Path: path(sub, name), Err: fmt.Errorf("subkey: %w", ErrUnknown)}
		}
	}
	names, err := k.ValueNames()
	if err != nil {
		return fmt.Errorf("group policy HKEY_LOCAL_MACHINE\\%s: %w", path(sub, ""), err)
	}
	for _, name := range names {
		if name == "" {
			// The default value of a key made by hand.
			continue
		}
		s, ok := known[name]
		if !ok {
			return &ValueError{Path: path(sub, name), Err: ErrUnknown}
		}
		v, err := k.Value(name)
		if err != nil {
			return &ValueError{Path: path(sub, name), Err: err}
		}
		switch s.Type {
		case List:
			if v.Kind != KindStrings {
				return &ValueError{Path: path(sub, name), Err: fmt.Errorf("%w: a list is a subkey of numbered strings or a REG_MULTI_SZ", ErrType)}
			}
			lists[name] = append(lists[name], nonEmpty(v.Strings)...)
		case Number:
			if v.Kind != KindNumber {
				return &ValueError{Path: path(sub, name), Err: fmt.Errorf("%w: a number is a REG_DWORD", ErrType)}
			}
			if s.Max != 0 && v.Number > s.Max {
				return &ValueError{Path: path(sub, name), Err: fmt.Errorf("%w: %d is over %d", ErrRange, v.Number, s.Max)}
			}
			s.set(c, v.Number)
		case Text:
			if v.Kind != KindString {
				return &ValueError{Path: path(sub, name), Err: fmt.Errorf("%w: a text is a REG_SZ or REG_EXPAND_SZ", ErrType)}
			}
			if v.Strings[0] != "" {
				s.set(c, v.Strings[0])
			}
		case Switch:
			if v.Kind != KindNumber {
				return &ValueError{Path: path(sub, name), Err: fmt.Errorf("%w: a switch is a REG_DWORD", ErrType)}
			}
			if v.Number > 1 {
				return &ValueError{Path: path(sub, name), Err: fmt.Errorf("%w: a switch is 0 or 1, not %d", ErrRange, v.Number)}
			}
			s.set(c, v.Number == 1)
		}
	}
	for name, l := range lists {
		if len(l) > 0 {
			known[name].set(c, l)
		}
	}
	return nil
}

// mustSubKeys lists k's subkeys, none if they cannot be read (decodeKey
// reads them again and reports the error).
func mustSubKeys(k Key) []string {
	names, _ := k.SubKeyNames()
	return names
}

// readList reads a list subkey: string values named 1, 2, 3…, in the
// order of their numbers.
func readList(parent Key, sub, name string) ([]string, error) {
	p := path(sub, name)
	k, err := parent.OpenSubKey(name)
	if err != nil {
		return nil, fmt.Errorf("group policy HKEY_LOCAL_MACHINE\\%s: %w", p, err)
	}
	defer k.Close()
	if subs, err := k.SubKeyNames(); err != nil || len(subs) > 0 {
		if err == nil {
			err = &ValueError{Path: p + `\` + subs[0], Err: fmt.Errorf("subkey: %w", ErrUnknown)}
		}
		return nil, err
	}
	names, err := k.ValueNames()
	if err != nil {
		return nil, fmt.Errorf("group policy HKEY_LOCAL_MACHINE\\%s: %w", p, err)
	}
	type item struct {
		n uint64
		s []string
	}
	var items []item
	for _, vn := range names {
		if vn == "" {
			continue
		}
		n, err := strconv.ParseUint(vn, 10, 32)
		if err != nil {
			return nil, &ValueError{Path: p + `\` + vn, Err: fmt.Errorf("%w: the values of a list are named 1, 2, 3…", ErrRange)}
		}
		v, err := k.Value(vn)
		if err != nil {
			return nil, &ValueError{Path: p + `\` + vn, Err: err}
		}
		if v.Kind != KindString {
			return nil, &ValueError{Path: p + `\` + vn, Err: fmt.Errorf("%w: an entry of a list is a REG_SZ", ErrType)}
		}
		items = append(items, item{n, nonEmpty(v.Strings)})
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Compare(a.n, b.n) })
	var out []string
	for _, it := range items {
		out = append(out, it.s...)
	}
	return out, nil
}

// nonEmpty drops empty strings, which Group Policy's list editor leaves
// for blank lines.
func nonEmpty(s []string) []string {
	return slices.DeleteFunc(slices.Clone(s), func(v string) bool { return v == "" })
}
