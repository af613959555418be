package main

import (
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/ui"
)

// The window's key list is the agent's: a container added in the window
// is in the state folder's list with its certificate, a folder that is not
// a key is refused, and removing forgets it.
func TestKeyFilesBackend(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	cfg := agent.Config{StateDir: filepath.Join(t.TempDir(), "state")}
	b := &mainBackend{cfg: cfg}
	vector, _ := filepath.Abs("../../../shared/keyfiles/cryptopro-container_csp5_gost2012-256-xcha_nopin.000")
	if err := b.AddKeyFile(vector); err != nil {
		t.Fatal(err)
	}
	if err := b.AddKeyFile(t.TempDir()); err == nil {
		t.Error("an empty folder was added")
	}
	keys, err := b.KeyFiles()
	if err != nil || len(keys) != 1 {
		t.Fatalf("KeyFiles = %+v, %v", keys, err)
	}
	k := keys[0]
	if k.Name != "srv" || !k.Added || k.Problem != "" || k.Kind != ui.KeyKindContainer || k.Certificate == nil || k.Certificate.Owner == "" {
		t.Fatalf("key %+v", k)
	}
	// The agent reads the same list.
	if got, _, _ := keysource.OpenList(appconf.KeysPath(cfg)).Load(); len(got) != 1 || got[0].ID != k.ID {
		t.Fatalf("the agent's list: %+v", got)
	}
	if err := b.RemoveKeyFile(k.ID); err != nil {
		t.Fatal(err)
	}
	if keys, _ := b.KeyFiles(); len(keys) != 0 {
		t.Errorf("after remove: %+v", keys)
	}
}
