package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zavera/zavera/agent/journal"
)

// journalLines returns the lines of the journal at path.
func journalLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.SplitAfter(string(data), "\n")
	return ls[:len(ls)-1]
}

// Records cut off the end: --verify says truncated, with its own exit
// status.
func TestJournalVerifyTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	writeJournal(t, path)
	ls := journalLines(t, path)
	os.WriteFile(path, []byte(strings.Join(ls[:1], "")), 0o600)
	code, out, errOut := runCmd(t, nil, "journal", "--file", path, "--verify")
	if code != journalTruncated || !strings.Contains(errOut, "TRUNCATED") || !strings.Contains(errOut, "records 2 to 3 are missing") || strings.Contains(out, "MACs and head match") {
		t.Fatalf("truncated: %d %q %q", code, out, errOut)
	}
}

// The whole chain recomputed with correct hashes but without the key:
// --verify says rewritten, with its own exit status.
func TestJournalVerifyRewritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	writeJournal(t, path)
	// A forger rewrites the records through a journal of their own (a
	// key of their own), then puts the forged lines in place of the real
	// ones.
	forged := filepath.Join(t.TempDir(), "journal.log")
	j, err := journal.Open(forged)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []journal.Record{
		{Event: journal.EventConsent, Origin: "https://portal.example", Outcome: journal.OutcomeApproved},
		{Event: journal.EventSignature, Origin: "https://portal.example", Outcome: journal.OutcomeRefused, Reason: "cancelled"},
		{Event: journal.EventSignature, Origin: "https://portal.example", Outcome: journal.OutcomeRefused, Reason: "cancelled"},
	} {
		if _, err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	data, _ := os.ReadFile(forged)
	os.WriteFile(path, data, 0o600)
	code, out, errOut := runCmd(t, nil, "journal", "--file", path, "--verify")
	if code != journalRewritten || !strings.Contains(errOut, "REWRITTEN") || strings.Contains(out, "MACs and head match") {
		t.Fatalf("rewritten: %d %q %q", code, out, errOut)
	}
}

// Rotated files are read as one journal, and --verify says where the kept
// history starts.
func TestJournalVerifyAcrossFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	o := journal.Options{MaxFileBytes: journal.MinFileBytes, KeepFiles: 2}
	j, err := journal.OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	var last journal.Record
	for range 1500 {
		if last, err = j.Write(journal.Record{Event: journal.EventSignature, Origin: "https://portal.example",
			Outcome: journal.OutcomeSigned, Description: strings.Repeat("x", 200)}); err != nil {
			t.Fatal(err)
		}
	}
	j.Sync(last.Seq)
	j.Close()
	code, out, errOut := runCmd(t, nil, "journal", "--file", path, "--verify")
	if code != 0 || !strings.Contains(out, "(2 file(s))") || !strings.Contains(out, "history: kept from seq ") || !strings.Contains(out, " to 1500") {
		t.Fatalf("verify across files: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCmd(t, nil, "journal", "--file", path)
	if code != 0 || !strings.Contains(out, "\n1500 ") {
		t.Fatalf("show across files: %d %q", code, out)
	}
}

// The real agent starts on a journal whose last line is damaged: it
// warns, keeps the line aside, records the recovery and serves.
func TestServeStartsOnDamagedJournal(t *testing.T) {
	bin := agentBinary(t, "zavera_script")
	dir := t.TempDir()
	keyFile, certFile := agentKey(t, dir)
	cfgFile := filepath.Join(dir, "config.json")
	os.WriteFile(cfgFile, []byte(`{"origins": ["https://portal.example"]}`), 0o600)
	path := filepath.Join(dir, "journal.log")
	writeJournal(t, path)
	ls := journalLines(t, path)
	ls[2] = ls[2][:40] + "\x01garbage" + ls[2][40:]
	os.WriteFile(path, []byte(strings.Join(ls, "")), 0o600)

	a := startAgent(t, bin, []string{"ZAVERA_SCRIPT_APPROVE=1", "LANG=en_US.UTF-8"},
		"--headless", "--port", "0", "--config", cfgFile, "--key", keyFile, "--cert", certFile)
	p := openPage(t, a.addr, "https://portal.example")
	var hello struct{ Approved bool }
	p.must("hello", map[string]any{"protocols": []int{1}}, &hello)
	a.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- a.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, a.stderrText())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the agent did not stop")
	}
	errText := a.stderrText()
	if !strings.Contains(errText, "zavera serve: the journal needed recovery at seq 3: damaged:") ||
		!strings.Contains(errText, "journal recovered") {
		t.Fatalf("stderr lacks the warning:\n%s", errText)
	}
	var recovered []journal.Record
	if err := journal.ReadAll(path, func(r journal.Record) error {
		if r.Event == journal.EventRecovery {
			recovered = append(recovered, r)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(recovered) == 0 || !strings.HasPrefix(recovered[0].Reason, "damaged:") {
		t.Fatalf("recovery records %+v", recovered)
	}
	code, out, errOut := runCmd(t, nil, "journal", "--verify", "--config", cfgFile)
	if code != 0 || !strings.Contains(out, "recovered at seq 3") {
		t.Fatalf("journal --verify after the recovery: %d %q %q", code, out, errOut)
	}
}
