package pkcs11

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrModuleFailed: the module's host process crashed, aborted, did not
// answer in time or was restarted while the call ran. The module is
// restarted; the token's login is lost. The error is a *ModuleFailure.
var ErrModuleFailed = errors.New("pkcs11: token driver failed")

// ModuleFailure is a module host that failed during a call, or was
// restarted for passing a resource limit.
type ModuleFailure struct {
	Module string    `json:"module"`       // the module's path
	Op     string    `json:"op,omitempty"` // the call that was running, e.g. "C_Sign"; empty for a limit
	Reason string    `json:"reason"`       // e.g. "the host signal: segmentation fault", "no answer within 30s"
	Time   time.Time `json:"time"`         // when it was seen
}

func (e *ModuleFailure) Error() string {
	if e.Op == "" {
		return fmt.Sprintf("%v: %s: %s", ErrModuleFailed, e.Module, e.Reason)
	}
	return fmt.Sprintf("%v: %s: %s: %s", ErrModuleFailed, e.Module, e.Op, e.Reason)
}

// Unwrap returns ErrModuleFailed.
func (e *ModuleFailure) Unwrap() error { return ErrModuleFailed }

// Isolation runs each module in a host process of its own (see "Module
// isolation" in the package documentation). The zero value of every
// field takes its default.
type Isolation struct {
	// Command starts the host for one module: the program and its
	// arguments, the module's path appended. Empty means this program
	// with HostCommand as its first argument.
	Command []string
	// Env is added to the host's environment (KEY=VALUE).
	Env []string
	// CallTimeout bounds an ordinary call; 15 s by default.
	CallTimeout time.Duration
	// SlowCallTimeout bounds C_Login, C_SignInit and C_Sign, which wait
	// for slow tokens and for the user at a PIN pad; 3 minutes by default.
	SlowCallTimeout time.Duration
	// MaxBackoff caps the wait before a host that keeps failing is
	// started again; 30 s by default. The first restart is immediate.
	MaxBackoff time.Duration
	// MaxRSS restarts a host between calls once its resident memory
	// passes this many bytes; 512 MiB by default, negative for no limit.
	MaxRSS int64
	// MaxHandles restarts a host between calls once it holds more open
	// file descriptors (handles on Windows); 1024 by default, negative
	// for no limit.
	MaxHandles int
	// CheckInterval is how often, at most, the limits are checked; one
	// second by default.
	CheckInterval time.Duration
	// OnFailure, when set, is called (in its own goroutine) for every
	// failure and limit restart.
	OnFailure func(ModuleFailure)
}

// HostCommand is the hidden command of the zavera program that runs
// ServeHostStdio: `zavera __pkcs11-host MODULE`.
const HostCommand = "__pkcs11-host"

func (iso Isolation) withDefaults() Isolation {
	if len(iso.Command) == 0 {
		exe, err := os.Executable()
		if err != nil {
			exe = os.Args[0]
		}
		iso.Command = []string{exe, HostCommand}
	}
	if iso.CallTimeout <= 0 {
		iso.CallTimeout = 15 * time.Second
	}
	if iso.SlowCallTimeout <= 0 {
		iso.SlowCallTimeout = 3 * time.Minute
	}
	if iso.MaxBackoff <= 0 {
		iso.MaxBackoff = 30 * time.Second
	}
	if iso.MaxRSS == 0 {
		iso.MaxRSS = 512 << 20
	}
	if iso.MaxHandles == 0 {
		iso.MaxHandles = 1024
	}
	if iso.CheckInterval <= 0 {
		iso.CheckInterval = time.Second
	}
	return iso
}

// ModuleHealth is what a Manager knows of a module's host.
type ModuleHealth struct {
	Path     string `json:"path"`
	Isolated bool   `json:"isolated"`
	// PID is the host's process id; 0 when it is not running.
	PID int `json:"pid,omitempty"`
	// Restarts counts the hosts ended by a failure or a limit: each is
	// replaced by a new host at the next call.
	Restarts int `json:"restarts"`
	// LastFailure is the last failure or limit restart; nil when none.
	LastFailure *ModuleFailure `json:"last_failure,omitempty"`
}

// Health lists the modules loaded and, for isolated ones, their hosts'
// restarts and last failure.
func (m *Manager) Health() []ModuleHealth {
	out := make([]ModuleHealth, 0, len(m.mods))
	for _, mod := range m.mods {
		h := ModuleHealth{Path: m.modPath[mod]}
		if hb, ok := mod.be.(*hostBackend); ok {
			hb.health(&h)
		}
		out = append(out, h)
	}
	return out
}
