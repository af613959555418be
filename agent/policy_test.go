package agent

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestApplyPolicy(t *testing.T) {
	dir := t.TempDir()
	user := filepath.Join(dir, "user.json")
	policy := filepath.Join(dir, "policy.json")
	os.WriteFile(user, []byte(`{"port": 30000, "origins": ["https://user.example"], "modules": ["/opt/a.so"], "limits": {"maxBatch": 10, "pinAttempts": 2}}`), 0o600)
	os.WriteFile(policy, []byte(`{"port": 31000, "origins": ["https://portal.corp.example", "https://user.example"], "modules": ["/opt/rutoken.so"], "noModuleDiscovery": true, "limits": {"maxBatch": 50}}`), 0o600)

	c, err := LoadConfig(user)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ApplyPolicy(c, policy)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://user.example", "https://portal.corp.example"}; !slices.Equal(got.Origins, want) {
		t.Fatalf("origins %v, want %v", got.Origins, want)
	}
	if want := []string{"/opt/a.so", "/opt/rutoken.so"}; !slices.Equal(got.Modules, want) {
		t.Fatalf("modules %v, want %v", got.Modules, want)
	}
	if got.Port != 31000 || !got.NoModuleDiscovery {
		t.Fatalf("port %d, noModuleDiscovery %v: the policy's must hold", got.Port, got.NoModuleDiscovery)
	}
	if got.Limits.MaxBatch != 50 || got.Limits.PINAttempts != 2 || got.Limits.PromptTimeout != DefaultLimits.PromptTimeout {
		t.Fatalf("limits %+v", got.Limits)
	}

	// A policy that sets only origins leaves the user's port and limits.
	os.WriteFile(policy, []byte(`{"origins": ["https://portal.corp.example"]}`), 0o600)
	got, err = ApplyPolicy(c, policy)
	if err != nil {
		t.Fatal(err)
	}
	if got.Port != 30000 || got.Limits.MaxBatch != 10 || got.NoModuleDiscovery {
		t.Fatalf("a partial policy changed more than it says: %+v", got)
	}
}

func TestApplyPolicyMissingAndBroken(t *testing.T) {
	dir := t.TempDir()
	c := DefaultConfig()
	got, err := ApplyPolicy(c, filepath.Join(dir, "absent.json"))
	if err != nil || !slices.Equal(got.Origins, c.Origins) || got.Port != c.Port {
		t.Fatalf("a missing policy must change nothing: %+v, %v", got, err)
	}
	for name, body := range map[string]string{
		"unknown field":      `{"origns": ["https://x.example"]}`,
		"origin with a path": `{"origins": ["https://x.example/login"]}`,
		"not json":           `{`,
	} {
		p := filepath.Join(dir, "p.json")
		os.WriteFile(p, []byte(body), 0o600)
		if _, err := ApplyPolicy(c, p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if p := SystemConfigPath(); !filepath.IsAbs(p) {
		t.Fatalf("SystemConfigPath %q is not absolute", p)
	}
}

// TestApplyPolicyTrustList: the machine-wide trusted list replaces the
// user's; a policy without one leaves the user's.
func TestApplyPolicyTrustList(t *testing.T) {
	dir := t.TempDir()
	user := filepath.Join(dir, "user.json")
	policy := filepath.Join(dir, "policy.json")
	os.WriteFile(user, []byte(`{"trustList": "/home/u/tsl.xml"}`), 0o600)
	os.WriteFile(policy, []byte(`{"trustList": "/etc/zavera/tsl.xml"}`), 0o600)
	c, err := LoadConfig(user)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ApplyPolicy(c, policy)
	if err != nil || got.TrustList != "/etc/zavera/tsl.xml" {
		t.Fatalf("trustList %q, %v", got.TrustList, err)
	}
	os.WriteFile(policy, []byte(`{"origins": ["https://portal.corp.example"]}`), 0o600)
	if got, err = ApplyPolicy(c, policy); err != nil || got.TrustList != "/home/u/tsl.xml" {
		t.Fatalf("trustList %q, %v", got.TrustList, err)
	}
}
