// Command zavera-ui shows Zavera's windows, each in a process of its own,
// so that the agent (`zavera serve`) never links the GUI toolkit and stays
// small while it waits.
//
// Usage:
//
//	zavera-ui prompt [--spare] [--hold DURATION]
//	zavera-ui main [--config FILE] [--tab NAME]
//
// The agent starts `zavera-ui prompt` for every window it asks in (a new
// site, a signature, a PIN, a notice, a batch's progress) and speaks to
// it over standard input and output (package ui/wire); `zavera ui` and
// the tray's "Open Zavera" start `zavera-ui main`. Both programs are
// installed in one folder: each finds the other there, else on PATH.
package main

import (
	"io"
	"os"

	"github.com/zavera/zavera/internal/cli"
)

// command is one subcommand (see package internal/cli).
type command = cli.Command

var commands = map[string]command{
	"prompt": {Summary: "show one window for the agent (started by the agent)", Run: runPrompt},
	"main":   {Summary: "open the main window (tokens, sites, journal, settings)", Run: runMain},
}

// appID names Zavera to the desktop (preferences, notifications).
const appID = "org.zavera.Zavera"

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return program().Dispatch(args, stdin, stdout, stderr)
}

func program() cli.Program {
	return cli.Program{Name: "zavera-ui", Commands: commands,
		Title:  "Zavera's windows, each in a process of its own.",
		Footer: "Run 'zavera-ui COMMAND --help' for a command's options. Users open the\nmain window with 'zavera ui'; the agent starts the other windows itself."}
}
