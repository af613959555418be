package agent_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/agent"
)

// hello tells a session whether its origin is one of the configured state
// portal origins, whether or not the origin is approved, and tells no
// other origin so.
func TestHelloStatePortal(t *testing.T) {
	ts := startServer(t, newFakeSource(), newFakePrompter(), func(o *agent.Options) {
		o.Config.StatePortalOrigins = []string{"HTTP://127.0.0.1:8080"} // compared in canonical form
	})
	statePortal := func(origin string) bool {
		c := dial(t, ts, origin)
		defer c.close()
		var r struct {
			Approved    bool `json:"approved"`
			StatePortal bool `json:"statePortal"`
		}
		c.mustCall("hello", map[string]any{"protocols": []int{1}}, &r)
		return r.StatePortal
	}
	if !statePortal("http://127.0.0.1:8080") {
		t.Error("a listed development origin, not approved: statePortal not set")
	}
	if statePortal(portalOrigin) {
		t.Errorf("%s is approved but not listed: statePortal set", portalOrigin)
	}
}

// The machine-wide configuration adds state portal origins to the user's;
// a malformed one is refused.
func TestStatePortalOriginsPolicy(t *testing.T) {
	dir := t.TempDir()
	system := filepath.Join(dir, "system.json")
	if err := os.WriteFile(system, []byte(`{"statePortalOrigins": ["https://stand.example"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := agent.ApplyPolicy(agent.Config{StatePortalOrigins: []string{"http://127.0.0.1:8765"}}, system)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.StatePortalOrigins) != 2 {
		t.Fatalf("merged statePortalOrigins %v, want the user's and the machine's", cfg.StatePortalOrigins)
	}
	if err := (agent.Config{StatePortalOrigins: []string{"https://stand.example/path"}}).Validate(); err == nil {
		t.Fatal("a malformed statePortalOrigins entry was accepted")
	}
}
