package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zavera/zavera/agent/journal"
)

func writeJournal(t *testing.T, path string) {
	t.Helper()
	j, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, r := range []journal.Record{
		{Event: journal.EventConsent, Origin: "https://portal.example", Outcome: journal.OutcomeApproved},
		{Event: journal.EventSignature, Origin: "https://portal.example", Certificate: "ab12", Subject: "CN=Иванов Иван Иванович",
			Document: strings.Repeat("0f", 32), DocumentHash: "Streebog-256", Outcome: journal.OutcomeSigned},
		{Event: journal.EventSignature, Origin: "https://portal.example", Outcome: journal.OutcomeRefused, Reason: "cancelled"},
	} {
		if _, err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestJournalShowVerifyJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.log")
	writeJournal(t, path)

	code, out, errOut := runCmd(t, nil, "journal", "--file", path)
	if code != 0 || errOut != "" {
		t.Fatalf("show: %d %q", code, errOut)
	}
	for _, want := range []string{"SEQ", "consent", "approved", "signed", "refused (cancelled)", "CN=Иванов Иван Иванович", "0f0f0f0f0f0f0f0f"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCmd(t, nil, "journal", "--file", path, "--verify")
	if code != 0 || !strings.Contains(out, "3 records, chain intact") {
		t.Fatalf("verify: %d %q", code, out)
	}
	code, out, _ = runCmd(t, nil, "journal", "--file", path, "--json")
	sc := bufio.NewScanner(strings.NewReader(out))
	n := 0
	for sc.Scan() {
		var r journal.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Seq != uint64(n+1) || r.Hash == "" {
			t.Fatalf("json line %d: %v %+v", n, err, r)
		}
		n++
	}
	if code != 0 || n != 3 {
		t.Fatalf("json: %d, %d lines", code, n)
	}

	// Through --config: the journal beside the configuration.
	cfg := filepath.Join(dir, "config.json")
	if code, out, _ := runCmd(t, nil, "journal", "--config", cfg, "--verify"); code != 0 || !strings.Contains(out, "3 records") {
		t.Fatalf("--config: %d %q", code, out)
	}
}

func TestJournalTampered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	writeJournal(t, path)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(data), `"outcome":"refused"`, `"outcome":"signed"`, 1)), 0o600)
	code, out, errOut := runCmd(t, nil, "journal", "--file", path, "--verify")
	if code != 1 || !strings.Contains(errOut, "TAMPERED OR DAMAGED at line 3") || strings.Contains(out, "intact") {
		t.Fatalf("tampered: %d %q %q", code, out, errOut)
	}
	// The records before the break are still shown.
	code, out, _ = runCmd(t, nil, "journal", "--file", path)
	if code != 1 || !strings.Contains(out, "approved") {
		t.Fatalf("show tampered: %d %q", code, out)
	}
}

func TestJournalUsage(t *testing.T) {
	if code, _, _ := runCmd(t, nil, "journal", "--file", filepath.Join(t.TempDir(), "none")); code != 2 {
		t.Errorf("missing file: %d", code)
	}
	if code, _, errOut := runCmd(t, nil, "journal", "--file", "a", "--config", "b"); code != 2 || !strings.Contains(errOut, "Usage") {
		t.Errorf("both: %d", code)
	}
	if code, out, _ := runCmd(t, nil, "journal", "-h"); code != 0 || !strings.Contains(out, "--verify") {
		t.Errorf("help: %d", code)
	}
}
