package ui

import (
	"time"

	"github.com/zavera/zavera/ui/wire"
)

// Backend is what the main window reads and changes. The command that
// opens the window implements it over the tokens, the approvals, the
// journal, the configuration and the diagnostics; tests use a fake.
// Methods are called on Fyne's main goroutine and should answer quickly.
type Backend interface {
	Tokens() ([]TokenView, error)
	Sites() ([]SiteView, error)
	Revoke(origin string) error
	Journal() ([]JournalEntry, error)
	Settings() (Settings, error)
	SaveSettings(Settings) error
	Diagnose() Diagnosis
}

// TokenView is a token and its certificates.
type TokenView struct {
	// ID is the token's ID as the agent gives it to pages.
	ID                   string
	Label, Model, Serial string
	PINLocked            bool
	// CertificatesAfterLogin: the token shows its certificates only
	// after a login, and is not logged in (see TokenLogin).
	CertificatesAfterLogin bool
	Certificates           []wire.Cert
}

// SiteView is a site that may use the agent.
type SiteView struct {
	Origin string
	// Configured sites are set by the administrator and cannot be
	// revoked here.
	Configured bool
}

// JournalEntry is one record of the signing journal.
type JournalEntry struct {
	Time                                time.Time
	Event, Outcome, Origin, Certificate string
	Description, Document               string
}

// Settings are what the settings page edits.
type Settings struct {
	Modules []string
	Port    int
	// Language is "ru", "en" or "" for the system's.
	Language     string
	StartAtLogin bool
}

// Diagnosis is what `zavera doctor` finds.
type Diagnosis struct {
	Modules      []ModuleState
	Tokens       []string
	Certificates []string
	Port         int
	PortOK       bool
	PortDetail   string
	TLSOK        bool
	TLSDetail    string
	BrowserOK    bool
	BrowserInfo  string
	Problems     []string
}

// ModuleState is a PKCS#11 module and whether it loaded.
type ModuleState struct {
	Path, Description, Err string
}
