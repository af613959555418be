package agent

import (
	"os"
	"path/filepath"
	"testing"
)

// The journal's rotation is set in the configuration; the
// administrator's settings win, and a cap under the minimum is refused.
func TestJournalConfig(t *testing.T) {
	dir := t.TempDir()
	user := filepath.Join(dir, "user.json")
	policy := filepath.Join(dir, "policy.json")
	os.WriteFile(user, []byte(`{"journal": {"maxFileBytes": 4194304, "keepFiles": 3}}`), 0o600)
	os.WriteFile(policy, []byte(`{"journal": {"keepFiles": 20}}`), 0o600)
	c, err := LoadConfig(user)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ApplyPolicy(c, policy)
	if err != nil {
		t.Fatal(err)
	}
	if got.Journal.MaxFileBytes != 4<<20 || got.Journal.KeepFiles != 20 {
		t.Fatalf("journal settings %+v", got.Journal)
	}
	for _, body := range []string{`{"journal": {"maxFileBytes": 1000}}`, `{"journal": {"keepFiles": 1}}`} {
		os.WriteFile(user, []byte(body), 0o600)
		if _, err := LoadConfig(user); err == nil {
			t.Errorf("%s accepted", body)
		}
	}
}
