package verifyserver

import (
	"log/slog"
	"runtime"
	"time"

	"github.com/zavera/zavera/validate"
)

// Defaults of Config.
const (
	DefaultAddr    = "127.0.0.1:8080"
	DefaultMaxBody = 32 << 20 // 32 MiB: signature and document together
	DefaultTimeout = 30 * time.Second
)

// Config says how a Server runs. The zero value of each field means its
// default.
type Config struct {
	// Anchors, Certificates and TrustList are files: trust anchors and
	// extra CA certificates (PEM, DER or base64; several per file) and the
	// trusted list of accredited CAs (XML).
	Anchors      []string
	Certificates []string
	TrustList    string

	// MaxBody is the most a request body may hold, in bytes.
	MaxBody int64
	// Timeout bounds a request from its first byte of body to its answer.
	Timeout time.Duration
	// MaxInFlight is how many verifications may run at once; default
	// twice GOMAXPROCS.
	MaxInFlight int

	// Revocation, when set, checks the revocation of each path's
	// certificates as zavera verify does (online unless Offline); nil
	// leaves it unchecked, which every report says.
	Revocation *validate.RevocationOptions

	// Render turns a report into the JSON object answered; nil answers
	// Report.Simple(). A value that is a JSONAppender is encoded by its
	// AppendJSON, any other by encoding/json.
	Render func(*validate.Report) any
	// Log receives the access log and reload events; nil discards them.
	Log *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 2 * runtime.GOMAXPROCS(0)
	}
	if c.Render == nil {
		c.Render = func(r *validate.Report) any { return r.Simple() }
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
