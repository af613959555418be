package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/zavera/zavera/agent/journal"
)

// DefaultPort is the agent's loopback port. No known signing agent uses it
// (NCALayer 13579, E-IMZO 64443/64646, Fortify 31337, NexU 9795/9895,
// JC-WebClient 24738, Autogram 37200), and it lies below the ephemeral
// range of Linux, Windows and macOS so that outgoing connections never
// hold it.
const DefaultPort = 27413

// PortalOrigins are the origins of the state services portal, approved
// without asking in the shipped configuration.
var PortalOrigins = []string{
	"https://www.gosuslugi.ru",
	"https://gosuslugi.ru",
	"https://esia.gosuslugi.ru",
	"https://lk.gosuslugi.ru",
}

// Config is the agent's configuration, read from a JSON file. Zero fields
// take the defaults of DefaultConfig.
type Config struct {
	// Port is the loopback TCP port for ws:// and wss://.
	Port int `json:"port,omitempty"`
	// Origins are approved without asking (an organisation's portals,
	// set by policy).
	Origins []string `json:"origins,omitempty"`
	// DevOrigins may use http:// (a demo portal on 127.0.0.1); they
	// still need approval unless also listed in Origins.
	DevOrigins []string `json:"devOrigins,omitempty"`
	// StateDir holds the approvals and the journal.
	StateDir string `json:"stateDir,omitempty"`
	// Modules are PKCS#11 modules to load besides those found in the
	// usual places; NoModuleDiscovery loads only these (a policy that
	// pins an organisation's token driver).
	Modules           []string `json:"modules,omitempty"`
	NoModuleDiscovery bool     `json:"noModuleDiscovery,omitempty"`
	// TrustAnchors are files of CA certificates (PEM or DER) that verify
	// checks signers' chains against.
	TrustAnchors []string `json:"trustAnchors,omitempty"`
	// TrustList is the file of the trusted list of accredited CAs (the
	// Ministry's XML): its CA certificates are anchors of verify while
	// each CA's accreditation is in force (package validate).
	TrustList string `json:"trustList,omitempty"`
	// RawSignOrigins may ask signHash for a bare signature over a hash.
	// Only the machine-wide configuration may set it (see ApplyPolicy).
	RawSignOrigins []string `json:"rawSignOrigins,omitempty"`
	// StatePortalOrigins are origins, besides the state services portal's
	// own, on which the browser extension serves the portal's plug-in
	// interfaces (IFCPlugin and gosuslugi.plugin): a test stand, or the
	// demo portal under `make run`. hello tells a page's session whether
	// its origin is one of them.
	StatePortalOrigins []string `json:"statePortalOrigins,omitempty"`
	Limits             Limits   `json:"limits"`
	// Journal sets how the journal's files rotate.
	Journal JournalConfig `json:"journal,omitzero"`
	// TSAURL is the RFC 3161 time-stamping authority of long-term
	// signatures (sign's level T and XLT1). Set in the machine-wide
	// configuration it is pinned: pages may not name another.
	TSAURL string `json:"tsaURL,omitempty"`
	// PageTSA lets pages name their own time-stamping authority (sign's
	// tsa) when no machine-wide tsaURL is pinned. Off by default: the
	// agent would otherwise post to any address a page names.
	PageTSA bool `json:"pageTSA,omitempty"`
	// tsaPinned is set by MergePolicy when the policy sets TSAURL.
	tsaPinned bool
	// ModuleHosts sets how PKCS#11 modules run (see ModuleHosts).
	ModuleHosts ModuleHosts `json:"moduleHosts,omitzero"`
}

// JournalConfig sets how the journal's files rotate; zero fields take
// the journal's defaults (see journal.Options).
type JournalConfig struct {
	// MaxFileBytes caps each file of the journal: 16 MiB by default, at
	// least 128 KiB.
	MaxFileBytes int64 `json:"maxFileBytes,omitempty"`
	// KeepFiles is how many files are kept, the current one included:
	// 8 by default, at least 2.
	KeepFiles int `json:"keepFiles,omitempty"`
}

// Limits bound what pages can make the agent do.
type Limits struct {
	// MaxMessageBytes is the largest message accepted; a larger one
	// closes the connection with status 1009. It is what control
	// messages and one document chunk need: larger documents and
	// signatures go as uploads (documentOpen, documentChunk).
	MaxMessageBytes int64 `json:"maxMessageBytes,omitempty"`
	// MaxConnections is the number of open websockets. Each origin has
	// a share of them (see slots.go): an approved origin at most an
	// eighth, an origin not approved at most a thirty-second, and the
	// origins not approved together at most half.
	MaxConnections int `json:"maxConnections,omitempty"`
	// MaxUnapprovedMessageBytes is the largest message accepted from an
	// origin that is not approved (hello, pair and cancel fit easily);
	// a larger one closes the connection with status 1009.
	MaxUnapprovedMessageBytes int64 `json:"maxUnapprovedMessageBytes,omitempty"`
	// MaxBufferedBytes bounds the memory of the messages of all
	// connections together, from their first byte until their request
	// is answered. A connection whose message finds no room is closed
	// with status 1013; origins not approved get at most half.
	MaxBufferedBytes int64 `json:"maxBufferedBytes,omitempty"`
	// MessageTimeout is how long a message may take to arrive once its
	// first frame has; a slower one closes the connection with 1008.
	MessageTimeout Duration `json:"messageTimeout,omitempty"`
	// UnapprovedIdle closes a connection of an origin that is not
	// approved when it has sent nothing and had no request running for
	// that long.
	UnapprovedIdle Duration `json:"unapprovedIdle,omitempty"`
	// MaxInFlight is the number of requests a connection may have
	// running at once.
	MaxInFlight int `json:"maxInFlight,omitempty"`
	// MaxBatch is the number of documents in one signBatch.
	MaxBatch int `json:"maxBatch,omitempty"`
	// PromptTimeout ends an unanswered prompt as a refusal.
	PromptTimeout Duration `json:"promptTimeout,omitempty"`
	// CancelsBeforeCooldown consecutive refusals for one origin start a
	// cool-down of Cooldown during which its prompts are refused as busy.
	CancelsBeforeCooldown int      `json:"cancelsBeforeCooldown,omitempty"`
	Cooldown              Duration `json:"cooldown,omitempty"`
	// PINAttempts is how many times the PIN is asked per request.
	PINAttempts int `json:"pinAttempts,omitempty"`
	// PairingPromptsPerMinute bounds the pairing prompts of all sites
	// together within any minute. PairingPromptsPerSite bounds those of
	// one site (a registrable domain: a.evil.example and b.evil.example
	// are one site) and is kept below PairingPromptsPerMinute (when that
	// is more than one), so that one site can never take them all. Over
	// either, pair fails with busy. The cool-down of
	// CancelsBeforeCooldown applies to pairing per site as well.
	PairingPromptsPerMinute int `json:"pairingPromptsPerMinute,omitempty"`
	PairingPromptsPerSite   int `json:"pairingPromptsPerSite,omitempty"`
	// PairingWaitingPerSite is how many pair requests of one site may
	// wait while one of its own is being answered; more fail with busy.
	PairingWaitingPerSite int `json:"pairingWaitingPerSite,omitempty"`
	// IdleLogout logs a token out when none of its keys has signed for
	// this long (a request that is signing keeps the login); the next
	// signature asks for the PIN again. Tokens are also logged out when
	// the screen locks, the session ends or the computer sleeps.
	IdleLogout Duration `json:"idleLogout,omitempty"`
}

// Duration is a time.Duration written in JSON as "90s" or "2m".
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"90s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("negative duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// DefaultLimits are the limits of the shipped configuration.
var DefaultLimits = Limits{
	// One chunk of an upload in base64 with its envelope; anything
	// larger is uploaded.
	MaxMessageBytes: 1536 << 10,
	MaxConnections:  256,
	// hello, pair and cancel are a few hundred bytes.
	MaxUnapprovedMessageBytes: 4 << 10,
	// Messages answered or waiting for a prompt, the starts of uploads
	// for their previews, and signatures uploaded to be verified or
	// co-signed (kept whole until cancelled), at once.
	MaxBufferedBytes:      64 << 20,
	MessageTimeout:        Duration(30 * time.Second),
	UnapprovedIdle:        Duration(45 * time.Second),
	MaxInFlight:           32,
	MaxBatch:              1000,
	PromptTimeout:         Duration(2 * time.Minute),
	CancelsBeforeCooldown: 3,
	Cooldown:              Duration(time.Minute),
	PINAttempts:           3,
	// A person meets a new site a few times a day; ten prompts a minute
	// is more than anyone answers, and a site's three are what it gets
	// before its cool-down anyway.
	PairingPromptsPerMinute: 10,
	PairingPromptsPerSite:   3,
	PairingWaitingPerSite:   4,
	IdleLogout:              Duration(5 * time.Minute),
}

// DefaultConfig returns the shipped configuration.
func DefaultConfig() Config {
	return Config{
		Port:    DefaultPort,
		Origins: append([]string(nil), PortalOrigins...),
		Limits:  DefaultLimits,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Port == 0 {
		c.Port = d.Port
	}
	c.Limits = overrideLimits(d.Limits, c.Limits)
	return c
}

// Validate checks the configuration: a port in range and well-formed
// origins.
func (c Config) Validate() error {
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("agent: port %d out of range", c.Port)
	}
	for _, o := range c.Origins {
		if _, err := ParseOrigin(o); err != nil {
			return fmt.Errorf("agent: configuration origins: %w", err)
		}
	}
	for _, o := range c.DevOrigins {
		if _, err := ParseOrigin(o); err != nil {
			return fmt.Errorf("agent: configuration devOrigins: %w", err)
		}
	}
	for _, o := range c.RawSignOrigins {
		if _, err := ParseOrigin(o); err != nil {
			return fmt.Errorf("agent: configuration rawSignOrigins: %w", err)
		}
	}
	for _, o := range c.StatePortalOrigins {
		if _, err := ParseOrigin(o); err != nil {
			return fmt.Errorf("agent: configuration statePortalOrigins: %w", err)
		}
	}
	if c.TSAURL != "" {
		if err := checkTSAURL(c.TSAURL); err != nil {
			return fmt.Errorf("agent: configuration tsaURL: %w", err)
		}
	}
	if m := c.Journal.MaxFileBytes; m != 0 && m < journal.MinFileBytes {
		return fmt.Errorf("agent: configuration journal.maxFileBytes: %d is under the minimum of %d", m, journal.MinFileBytes)
	}
	if k := c.Journal.KeepFiles; k != 0 && k < journal.MinKeepFiles {
		return fmt.Errorf("agent: configuration journal.keepFiles: %d is under the minimum of %d", k, journal.MinKeepFiles)
	}
	return nil
}

// LoadConfig reads a configuration file. A missing file gives the default
// configuration; unknown fields are an error, so that a misspelt policy
// never goes unnoticed. StateDir stays empty unless the file sets it.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultConfig(), nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("agent: read configuration: %w", err)
	}
	var c Config
	if err := decodeStrict(data, &c); err != nil {
		return Config{}, fmt.Errorf("agent: configuration %s: %w", path, err)
	}
	if c.Origins == nil {
		c.Origins = append([]string(nil), PortalOrigins...)
	}
	c = c.withDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// decodeStrict decodes one JSON configuration, refusing unknown fields.
func decodeStrict(data []byte, c *Config) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(c)
}

// DefaultConfigPath is where the configuration lives: the OS's per-user
// configuration folder (XDG_CONFIG_HOME on Linux), zavera/config.json.
func DefaultConfigPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("agent: no configuration folder: %w", err)
	}
	return filepath.Join(dir, "zavera", "config.json"), nil
}

// DefaultStateDir is where approvals and the journal live: XDG_STATE_HOME
// (or ~/.local/state) on Linux and the BSDs, the per-user configuration
// folder elsewhere.
func DefaultStateDir() (string, error) {
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		dir, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("agent: no state folder: %w", err)
		}
		return filepath.Join(dir, "zavera"), nil
	}
	if dir := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "zavera"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("agent: no state folder: %w", err)
	}
	return filepath.Join(home, ".local", "state", "zavera"), nil
}
