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
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: run gets the arguments after the command name
// and returns the process exit code.
type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"prompt": {"show one window for the agent (started by the agent)", runPrompt},
	"main":   {"open the main window (tokens, sites, journal, settings)", runMain},
}

// appID names Zavera to the desktop (preferences, notifications).
const appID = "org.zavera.Zavera"

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "zavera-ui: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Zavera's windows, each in a process of its own.")
	fmt.Fprintln(w, "\nUsage: zavera-ui COMMAND [ARGUMENTS]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-8s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'zavera-ui COMMAND --help' for a command's options. Users open the\nmain window with 'zavera ui'; the agent starts the other windows itself.")
}
