package journal

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// holderEnv names the journal that TestJournalHolder, run as a child
// process, opens and holds until its standard input closes.
const holderEnv = "ZAVERA_TEST_JOURNAL_HOLDER"

// TestJournalHolder is the second process of TestSecondProcessRefused,
// not a test of its own.
func TestJournalHolder(t *testing.T) {
	path := os.Getenv(holderEnv)
	if path == "" {
		t.Skip("runs only as the child of TestSecondProcessRefused")
	}
	j, err := Open(path)
	if err != nil {
		t.Fatalf("holder: %v", err)
	}
	if _, err := j.Append(Record{Event: EventRecovery, Outcome: OutcomeFailed, Reason: "held"}); err != nil {
		t.Fatalf("holder: %v", err)
	}
	os.Stdout.WriteString("open\n")
	io.Copy(io.Discard, os.Stdin)
	if err := j.Close(); err != nil {
		t.Fatalf("holder: %v", err)
	}
}

// TestSecondProcessRefused opens one journal from two processes: the
// second Open must fail with the "in use" error while the first process
// holds it, reading must still work, and Open must succeed once that
// process has closed it.
func TestSecondProcessRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.log")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestJournalHolder$", "-test.count=1")
	cmd.Env = append(os.Environ(), holderEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "open\n" {
		t.Fatalf("holder did not open the journal: %q, %v", line, err)
	}

	j, err := Open(path)
	if err == nil {
		j.Close()
		t.Fatal("a second process opened a journal that another process holds")
	}
	if !strings.Contains(err.Error(), "is in use by another process") {
		t.Fatalf("second Open: %v, want the journal's in-use error", err)
	}

	// The lock keeps writers out, not readers: `zavera journal` reads
	// the records while the agent runs.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading a held journal: %v", err)
	}
	if n, err := Verify(bytes.NewReader(data)); err != nil || n != 1 {
		t.Fatalf("Verify of a held journal: %d records, %v; want the holder's 1", n, err)
	}
	// Check reads the head file too, which holds the lock.
	if rep, err := Check(path, Options{}); err != nil || rep.Records != 1 || rep.Head == nil || rep.Head.Seq != 1 {
		t.Fatalf("Check of a held journal: %+v, %v; want the holder's 1 record, named by the head", rep, err)
	}

	stdin.Close()
	go io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	j, err = Open(path)
	if err != nil {
		t.Fatalf("Open after the holder closed: %v", err)
	}
	defer j.Close()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n, err := Verify(f); err != nil || n != 1 {
		t.Fatalf("Verify: %d records, %v; want the holder's 1", n, err)
	}
}
