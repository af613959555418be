package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/zavera/zavera/agent/localtls"
)

// issueTLSCommand is the hidden command with which `zavera serve` makes
// the local CA and loopback certificate in a child process of its own:
// the CA's private key then never exists in the agent's memory, and the
// copies the crypto library makes of it while signing end with the
// child. It is not listed in the help: only the agent runs it.
const issueTLSCommand = "__issue-local-tls"

// errTLSIssue means the child process that issues the loopback
// certificate failed.
var errTLSIssue = errors.New("local TLS: the process issuing the certificate failed")

// runIssueTLS implements the hidden command: a new CA and loopback
// certificate written into the folder given, then exit. Nothing goes to
// stdout; a failure is one line on stderr.
func runIssueTLS(args []string, _ io.Reader, _, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" {
		fmt.Fprintf(stderr, "usage: zavera %s DIR\n", issueTLSCommand)
		return 2
	}
	if _, err := localtls.Generate(args[0], time.Now()); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// issueTLSInChild runs this program's hidden command to make the
// loopback certificate in dir and waits for it.
func issueTLSInChild(dir string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("%w: %w", errTLSIssue, err)
	}
	cmd := exec.Command(exe, issueTLSCommand, dir)
	var errOut bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %w: %s", errTLSIssue, err, strings.TrimSpace(errOut.String()))
	}
	return nil
}

// loadOrIssueTLS loads the loopback certificate in dir, having a child
// process make one first when there is none or it expired. made reports
// whether a new CA was made.
func loadOrIssueTLS(dir string, now time.Time) (conf *tls.Config, made bool, err error) {
	return localtls.LoadOr(dir, now, issueTLSInChild)
}
