package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/installer"
)

// TestTLSFoldersPerSystem: the machine's /var/lib/zavera/tls is searched
// on Linux, never on Windows, where it would be a meaningless \var\lib;
// Windows has the MSI's %ProgramData%\Zavera\tls instead.
func TestTLSFoldersPerSystem(t *testing.T) {
	opts := &installer.Options{Root: "/"}
	cfg := agent.Config{StateDir: filepath.Join("state", "zavera")}
	state := filepath.Join(cfg.StateDir, "tls")
	if got := tlsFolders("linux", opts, cfg); !slices.Equal(got, []string{state, opts.SystemTLSDir()}) {
		t.Errorf("linux: %q", got)
	}
	if got := tlsFolders("windows", opts, cfg); !slices.Equal(got, []string{state, installer.WindowsMachineTLSDir()}) {
		t.Errorf("windows: %q", got)
	}
}
