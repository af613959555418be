package agent

// ModuleHosts configures the processes in which the agent runs the
// tokens' PKCS#11 modules (package pkcs11, "Module isolation"). Every
// module runs in a host process of its own unless InProcess is set; a
// zero value takes the default of package pkcs11.
type ModuleHosts struct {
	// InProcess loads the modules into the agent itself, as before
	// isolation: a crashing driver then ends the agent. For tests and
	// measurements only.
	InProcess bool `json:"inProcess,omitempty"`
	// CallTimeout bounds an ordinary call into a module (15s).
	CallTimeout Duration `json:"callTimeout,omitempty"`
	// SlowCallTimeout bounds C_Login, C_SignInit and C_Sign, which wait
	// for slow tokens and for the user at a PIN pad (3m).
	SlowCallTimeout Duration `json:"slowCallTimeout,omitempty"`
	// MaxBackoff caps the wait before a module that keeps failing is
	// started again (30s).
	MaxBackoff Duration `json:"maxBackoff,omitempty"`
	// MaxMemoryBytes restarts a module's host, between calls, once its
	// resident memory passes it (512 MiB); negative: no limit.
	MaxMemoryBytes int64 `json:"maxMemoryBytes,omitempty"`
	// MaxHandles restarts a module's host, between calls, once it holds
	// more open files or handles (1024); negative: no limit.
	MaxHandles int `json:"maxHandles,omitempty"`
}
