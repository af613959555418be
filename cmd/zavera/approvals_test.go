package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badApprovals is an approvals file as an earlier version could write
// it: it stored "https://a%c3%a9.example" for a page whose origin was
// "https://a%25C3%25A9.example", read that back as "https://aé.example"
// and wrote this with the next change.
const badApprovals = `{
  "origins": [
    {"origin": "https://aé.example", "approved": "2026-01-02T03:04:05Z"},
    {"origin": "https://good.example", "approved": "2026-01-02T03:04:05Z"},
    {"origin": "https://other.example", "approved": "2026-01-02T03:04:05Z"}
  ]
}
`

// An unreadable entry in the approvals file does not stop --list-origins,
// --revoke or the agent itself: it is reported on stderr and skipped, the
// good entries stay approved, and the next change rewrites the file
// without it.
func TestServeSkipsUnreadableApproval(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config.json")
	os.WriteFile(cfgFile, []byte(`{"origins": ["https://portal.example"]}`), 0o600)
	approvals := filepath.Join(dir, "approvals.json")
	os.WriteFile(approvals, []byte(badApprovals), 0o600)

	code, out, errOut := runCmd(t, nil, "serve", "--list-origins", "--config", cfgFile)
	if code != 0 || !strings.Contains(out, "https://good.example\tapproved") || !strings.Contains(out, "https://other.example\tapproved") {
		t.Fatalf("list-origins: %d %q %q", code, out, errOut)
	}
	if strings.Contains(out, "aé") || !strings.Contains(errOut, "origins[0]") || !strings.Contains(errOut, "warning") {
		t.Fatalf("list-origins does not report the skipped entry: %q %q", out, errOut)
	}

	// The real agent starts, says what it skipped, and serves the good
	// approvals.
	bin := agentBinary(t, "zavera_script")
	keyFile, certFile := agentKey(t, dir)
	a := startAgent(t, bin, []string{"ZAVERA_SCRIPT_APPROVE=1"},
		"--headless", "--port", "0", "--config", cfgFile, "--key", keyFile, "--cert", certFile)
	p := openPage(t, a.addr, "https://good.example")
	var hello struct{ Approved bool }
	p.must("hello", map[string]any{"protocols": []int{1}}, &hello)
	if !hello.Approved {
		t.Fatal("a good approval was lost")
	}
	p.must("tokens", nil, nil)
	if s := a.stderrText(); !strings.Contains(s, "level=WARN") || !strings.Contains(s, "origins[0]") {
		t.Fatalf("the agent's log does not report the skipped entry:\n%s", s)
	}

	// The next change rewrites the file without the unreadable entry.
	code, _, errOut = runCmd(t, nil, "serve", "--revoke", "https://other.example", "--config", cfgFile)
	if code != 0 || !strings.Contains(errOut, "origins[0]") {
		t.Fatalf("revoke: %d %q", code, errOut)
	}
	code, out, errOut = runCmd(t, nil, "serve", "--list-origins", "--config", cfgFile)
	if code != 0 || errOut != "" || !strings.Contains(out, "https://good.example\tapproved") || strings.Contains(out, "other.example") {
		t.Fatalf("after revoke: %d %q %q", code, out, errOut)
	}
	if r := p.call("tokens", nil, nil); r != "" {
		t.Fatalf("good origin after rewrite: %q", r)
	}
}
