package main

import (
	"os"
	"path/filepath"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/installer"
)

// servedTLSDir is the folder whose certificate `serve --tls` serves on
// the system goos: the state folder's tls/; on Windows, when that holds
// no certificate and the machine's (%ProgramData%\Zavera\tls, made by
// the MSI's `zavera install --system` and trusted in LocalMachine\Root)
// does, the machine's. Otherwise a certificate is issued into the state
// folder's.
func servedTLSDir(goos string, cfg agent.Config) string {
	state := filepath.Join(cfg.StateDir, "tls")
	if goos != "windows" {
		return state
	}
	if _, err := os.Stat(filepath.Join(state, "cert.pem")); err == nil {
		return state
	}
	machine := installer.WindowsMachineTLSDir()
	if _, err := os.Stat(filepath.Join(machine, "cert.pem")); err == nil {
		return machine
	}
	return state
}
