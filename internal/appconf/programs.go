package appconf

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// The programs of a Zavera installation, which sit in one folder.
const (
	// AgentProgram is the agent and its command-line tools.
	AgentProgram = "zavera"
	// UIProgram shows the windows: the agent starts it for each prompt,
	// `zavera ui` for the main window.
	UIProgram = "zavera-ui"
)

// ProgramNotFoundError is a program found neither beside the running
// executable nor on PATH.
type ProgramNotFoundError struct {
	Name string // the program, e.g. "zavera-ui"
	Dir  string // the folder of the running executable, searched first
}

func (e *ProgramNotFoundError) Error() string {
	if e.Dir == "" {
		return fmt.Sprintf("%s not found on PATH", e.Name)
	}
	return fmt.Sprintf("%s not found in %s or on PATH", e.Name, e.Dir)
}

// FindProgram finds the executable of a Zavera program (AgentProgram or
// UIProgram) next to the running executable, symbolic links resolved,
// then on PATH. The error is a *ProgramNotFoundError when it is nowhere.
func FindProgram(name string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		self = ""
	}
	return findProgram(name, self)
}

// findProgram is FindProgram for the running executable self.
func findProgram(name, self string) (string, error) {
	var dir string
	if self != "" {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		dir = filepath.Dir(self)
		file := name
		if runtime.GOOS == "windows" {
			file += ".exe"
		}
		p := filepath.Join(dir, file)
		if isExecutable(p) {
			return p, nil
		}
	}
	// exec.LookPath refuses a program that PATH finds only in the
	// current folder (exec.ErrDot): that is not an installation.
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return p, nil
	}
	return "", &ProgramNotFoundError{Name: name, Dir: dir}
}

// isExecutable reports whether path is a regular file the user may run.
func isExecutable(path string) bool {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	return runtime.GOOS == "windows" || st.Mode().Perm()&0o111 != 0
}
