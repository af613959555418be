package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/pkcs11"
)

// runPKCS11Host implements the hidden command pkcs11.HostCommand: it
// loads one PKCS#11 module and serves the agent's calls into it over
// standard input and output (pkcs11.ServeHostStdio) until the agent
// closes them. Only the agent runs it; it is not listed in the help.
func runPKCS11Host(args []string, _ io.Reader, _, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" {
		fmt.Fprintf(stderr, "usage: zavera %s MODULE\n", pkcs11.HostCommand)
		return 2
	}
	if err := pkcs11.ServeHostStdio(args[0]); err != nil {
		fmt.Fprintln(stderr, "zavera pkcs11 host:", err)
		return 1
	}
	return 0
}

// moduleIsolation turns the configuration into the pkcs11 isolation
// options; nil when the modules are to be loaded in process.
func moduleIsolation(c agent.ModuleHosts, onFailure func(pkcs11.ModuleFailure)) *pkcs11.Isolation {
	if c.InProcess {
		return nil
	}
	return &pkcs11.Isolation{
		CallTimeout:     time.Duration(c.CallTimeout),
		SlowCallTimeout: time.Duration(c.SlowCallTimeout),
		MaxBackoff:      time.Duration(c.MaxBackoff),
		MaxRSS:          c.MaxMemoryBytes,
		MaxHandles:      c.MaxHandles,
		OnFailure:       onFailure,
	}
}

// moduleHostsFile is where the running agent keeps its modules' hosts'
// restarts and last failures, in the state folder, for `zavera doctor`.
const moduleHostsFile = "module-hosts.json"

// moduleHostsState is the content of moduleHostsFile.
type moduleHostsState struct {
	// PID is the agent's process id, Updated when it wrote the file.
	PID     int                   `json:"pid"`
	Updated time.Time             `json:"updated"`
	Modules []pkcs11.ModuleHealth `json:"modules"`
}

// writeModuleHosts replaces the file with the agent's current view.
func writeModuleHosts(stateDir string, health []pkcs11.ModuleHealth) error {
	b, err := json.MarshalIndent(moduleHostsState{PID: os.Getpid(), Updated: time.Now().UTC(), Modules: health}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(stateDir, moduleHostsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// readModuleHosts reads what the agent last wrote; nil when nothing.
func readModuleHosts(stateDir string) (*moduleHostsState, error) {
	b, err := os.ReadFile(filepath.Join(stateDir, moduleHostsFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s moduleHostsState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", moduleHostsFile, err)
	}
	return &s, nil
}

// doctorModHosts is what `zavera doctor` tells of the modules' host
// processes: the running agent's record when there is one, else the
// doctor's own hosts.
type doctorModHosts struct {
	Isolated bool `json:"isolated"`
	// AgentPID and Updated say which agent wrote the record and when;
	// zero when the figures are the doctor's own.
	AgentPID int                   `json:"agent_pid,omitempty"`
	Updated  time.Time             `json:"updated,omitzero"`
	Modules  []pkcs11.ModuleHealth `json:"modules"`
	// Error says why the agent's record could not be read.
	Error string `json:"error,omitempty"`
}

func doctorModuleHosts(cfg agent.Config, m *pkcs11.Manager) *doctorModHosts {
	h := &doctorModHosts{Isolated: !cfg.ModuleHosts.InProcess, Modules: []pkcs11.ModuleHealth{}}
	st, err := readModuleHosts(cfg.StateDir)
	switch {
	case err != nil:
		h.Error = err.Error()
	case st != nil:
		h.AgentPID, h.Updated, h.Modules = st.PID, st.Updated, st.Modules
		return h
	}
	if m != nil {
		h.Modules = m.Health()
	}
	return h
}

// failureText describes a module failure in one line.
func failureText(f *pkcs11.ModuleFailure) string {
	op := ""
	if f.Op != "" {
		op = f.Op + ": "
	}
	return fmt.Sprintf("%s %s%s", f.Time.Local().Format(time.DateTime), op, f.Reason)
}

// printModuleHosts writes the doctor's module hosts section.
func printModuleHosts(w io.Writer, h *doctorModHosts) {
	if h == nil {
		return
	}
	switch {
	case !h.Isolated:
		fmt.Fprintln(w, "Module hosts: off (moduleHosts.inProcess): the drivers run inside the agent")
	case h.AgentPID != 0:
		fmt.Fprintf(w, "Module hosts (the agent, pid %d, as of %s):\n", h.AgentPID, h.Updated.Local().Format(time.DateTime))
	default:
		fmt.Fprintln(w, "Module hosts (this check's own; the agent has recorded none):")
	}
	if h.Error != "" {
		fmt.Fprintf(w, "  the agent's record cannot be read: %s\n", h.Error)
	}
	for _, mod := range h.Modules {
		times := "times"
		if mod.Restarts == 1 {
			times = "time"
		}
		fmt.Fprintf(w, "  %s\n    restarted %d %s", mod.Path, mod.Restarts, times)
		if mod.LastFailure != nil {
			fmt.Fprintf(w, "; last failure %s", failureText(mod.LastFailure))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}
