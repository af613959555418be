package agent_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zavera/zavera/agent"
)

// oldApprovals is an approvals file as an earlier version could write it:
// good entries around one whose origin a %-escape made unreadable (the
// agent stored "https://a%c3%a9.example" for a page whose origin was
// "https://a%25C3%25A9.example", which reads back as another host), one
// with a non-ASCII host, and two that are not entries at all.
const oldApprovals = `{
  "origins": [
    {"origin": "https://a.example", "approved": "2026-01-02T03:04:05Z"},
    {"origin": "https://a%c3%a9.example", "approved": "2026-01-02T03:04:05Z"},
    {"origin": "https://aé.example", "approved": "2026-01-02T03:04:05Z"},
    {"origin": "https://b.example", "approved": "yesterday"},
    42,
    {"origin": "https://c.example:8443", "approved": "2026-01-03T03:04:05Z"}
  ]
}
`

func skippedEntries(t *testing.T, errs []error) []string {
	t.Helper()
	var out []string
	for _, e := range errs {
		var se *agent.SkippedError
		if !errors.As(e, &se) {
			t.Fatalf("skipped error %v is not a *SkippedError", e)
		}
		out = append(out, se.Entry)
	}
	return out
}

// An unreadable entry is skipped, the others load, and the next change
// rewrites the file without it.
func TestApprovalsSkipUnreadableEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "approvals.json")
	if err := os.WriteFile(path, []byte(oldApprovals), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := agent.OpenApprovals(path)
	if err != nil {
		t.Fatalf("OpenApprovals: %v", err)
	}
	if l := a.List(); !slices.Equal(l, []string{"https://a.example", "https://c.example:8443"}) {
		t.Fatalf("list %v", l)
	}
	want := []string{"origins[1]", "origins[2]", "origins[3]", "origins[4]"}
	if got := skippedEntries(t, a.Skipped()); !slices.Equal(got, want) {
		t.Fatalf("skipped %v, want %v", got, want)
	}
	if !errors.Is(a.Skipped()[0], agent.ErrOriginNotAllowed) {
		t.Fatalf("skipped origin: %v", a.Skipped()[0])
	}
	if a.Has("https://a%c3%a9.example") || a.Has("https://aé.example") {
		t.Fatal("an unreadable entry approves an origin")
	}

	// The next change writes a file that reads cleanly.
	if err := a.Add("https://d.example", time.Now()); err != nil {
		t.Fatal(err)
	}
	if s := a.Skipped(); len(s) != 0 {
		t.Fatalf("skipped after saving: %v", s)
	}
	b, err := agent.OpenApprovals(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := b.Skipped(); len(s) != 0 {
		t.Fatalf("rewritten file still has unreadable entries: %v", s)
	}
	if l := b.List(); !slices.Equal(l, []string{"https://a.example", "https://c.example:8443", "https://d.example"}) {
		t.Fatalf("list after rewrite %v", l)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "%") || strings.Contains(string(data), "é") {
		t.Fatalf("rewritten file:\n%s", data)
	}
}

// An unreadable entry can be revoked by its text in the file, which
// removes it; a well-formed origin that is not approved is no error.
func TestApprovalsRevokeUnreadableEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "approvals.json")
	if err := os.WriteFile(path, []byte(oldApprovals), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := agent.OpenApprovals(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke("https://a%c3%a9.example"); err != nil {
		t.Fatalf("revoke the unreadable entry: %v", err)
	}
	if err := a.Revoke("https://never%20seen.example"); !errors.Is(err, agent.ErrOriginNotAllowed) {
		t.Fatalf("revoke of a malformed origin the file does not hold: %v", err)
	}
	b, err := agent.OpenApprovals(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := b.Skipped(); len(s) != 0 {
		t.Fatalf("skipped after revoke: %v", s)
	}
	if l := b.List(); !slices.Equal(l, []string{"https://a.example", "https://c.example:8443"}) {
		t.Fatalf("list %v", l)
	}
}

// A file that is not JSON at all counts as empty, with a warning, and is
// kept aside when the list is next saved.
func TestApprovalsDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "approvals.json")
	damaged := []byte(`{"origins": [{"origin": "https://a.example", "appr`)
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := agent.OpenApprovals(path)
	if err != nil {
		t.Fatalf("OpenApprovals: %v", err)
	}
	if got := skippedEntries(t, a.Skipped()); !slices.Equal(got, []string{""}) {
		t.Fatalf("skipped %q, want the whole file", got)
	}
	if len(a.List()) != 0 {
		t.Fatalf("list %v", a.List())
	}
	if err := a.Add("https://b.example", time.Now()); err != nil {
		t.Fatal(err)
	}
	kept, err := os.ReadFile(path + ".damaged")
	if err != nil || string(kept) != string(damaged) {
		t.Fatalf("damaged file not kept: %q, %v", kept, err)
	}
	b, err := agent.OpenApprovals(path)
	if err != nil || len(b.Skipped()) != 0 || !b.Has("https://b.example") {
		t.Fatalf("after saving: %v %v %v", err, b.Skipped(), b.List())
	}
}

// Another process writes an unreadable entry while the agent runs: the
// agent keeps the others approved.
func TestApprovalsReloadSkipsUnreadableEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "approvals.json")
	a, err := agent.OpenApprovals(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add("https://x.example", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(oldApprovals), 0o600); err != nil {
		t.Fatal(err)
	}
	if !a.Has("https://c.example:8443") || a.Has("https://x.example") {
		t.Fatalf("after reload: %v", a.List())
	}
	if len(a.Skipped()) != 4 {
		t.Fatalf("skipped %v", a.Skipped())
	}
}
