package agent

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The idle logout defaults to five minutes, is read from the
// configuration file, and a machine-wide policy's value wins.
func TestIdleLogoutConfig(t *testing.T) {
	dir := t.TempDir()
	user := filepath.Join(dir, "user.json")
	c, err := LoadConfig(user) // missing: the defaults
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(c.Limits.IdleLogout); got != 5*time.Minute {
		t.Fatalf("default idle logout %v, want 5m", got)
	}
	os.WriteFile(user, []byte(`{"limits": {"idleLogout": "15m"}}`), 0o600)
	if c, err = LoadConfig(user); err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(c.Limits.IdleLogout); got != 15*time.Minute {
		t.Fatalf("idle logout %v, want the file's 15m", got)
	}
	policy := filepath.Join(dir, "policy.json")
	os.WriteFile(policy, []byte(`{"limits": {"idleLogout": "2m"}}`), 0o600)
	if c, err = ApplyPolicy(c, policy); err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(c.Limits.IdleLogout); got != 2*time.Minute {
		t.Fatalf("idle logout %v, want the policy's 2m", got)
	}
	os.WriteFile(user, []byte(`{"limits": {"idleLogout": "soon"}}`), 0o600)
	if _, err := LoadConfig(user); err == nil {
		t.Fatal("an unreadable idle logout was accepted")
	}
}
