package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/agent"
)

// TestServedTLSDirOnWindows: on Windows the agent serves the machine's
// certificate (the MSI's) when the state folder has none of its own; on
// Linux always the state folder's.
func TestServedTLSDirOnWindows(t *testing.T) {
	pd := t.TempDir()
	t.Setenv("ProgramData", pd)
	cfg := agent.Config{StateDir: t.TempDir()}
	state := filepath.Join(cfg.StateDir, "tls")
	machine := filepath.Join(pd, "Zavera", "tls")
	if got := servedTLSDir("windows", cfg); got != state {
		t.Errorf("no certificate anywhere: %s", got)
	}
	if err := os.MkdirAll(machine, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(machine, "cert.pem"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := servedTLSDir("windows", cfg); got != machine {
		t.Errorf("machine certificate only: %s", got)
	}
	if got := servedTLSDir("linux", cfg); got != state {
		t.Errorf("linux: %s", got)
	}
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "cert.pem"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := servedTLSDir("windows", cfg); got != state {
		t.Errorf("both: %s", got)
	}
}
