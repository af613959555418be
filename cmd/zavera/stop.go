package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

const stopUsage = `Usage: zavera stop [--exe PATH]

Ends this user's running Zavera programs (zavera.exe), the agent among
them, and waits until they are gone: the installer runs it before it
replaces or removes the program files. Processes of other users are
never touched.

  --exe PATH   only the programs started from this file (the installer
               names its own zavera.exe)

Windows only; on Linux the agent is stopped by its service manager or
with Ctrl-C.`

// errStopUnsupported is 'zavera stop' on a system where the agent is
// stopped by other means.
var errStopUnsupported = errors.New("not available on this system")

func runStop(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stop", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	exe := fs.String("exe", "", "")
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, stopUsage)
		return 0
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera stop: %v\n\n%s\n", err, stopUsage)
		return 2
	}
	n, err := stopAgents(*exe)
	if err != nil {
		fmt.Fprintf(stderr, "zavera stop: %v\n", err)
		if errors.Is(err, errStopUnsupported) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stdout, "zavera stop: %d stopped\n", n)
	return 0
}
