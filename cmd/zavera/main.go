// Command zavera is the Zavera signing agent and its command-line tools.
//
// Usage:
//
//	zavera COMMAND [ARGUMENTS]
//
// Each command lives in a file of its own in this folder and is listed in
// the commands table below.
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
	"cert":    {"show a certificate's owner, organisation and key", runCert},
	"digest":  {"print Streebog digests of files, like sha256sum", runDigest},
	"verify":  {"verify a CAdES signature and show who signed", runVerify},
	"serve":   {"run the signing agent on the loopback interface", runServe},
	"journal": {"show or verify the signing journal", runJournal},
	"tokens":  {"list PKCS#11 modules and tokens", runTokens},
	"certs":   {"list certificates on tokens", runCerts},
	"sign":    {"sign files with a token key (CAdES-BES)", runSign},

	"tls":       {"make the local CA and loopback certificate for wss://", runTLS},
	"install":   {"trust the local CA, set browser policies and start at login", runInstall},
	"uninstall": {"remove what 'zavera install' added", runUninstall},
	"doctor":    {"diagnose tokens, certificates, the port and local TLS", runDoctor},

	"demo-portal": {"run the demo state-services portal on 127.0.0.1", runDemoPortal},
}

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
		fmt.Fprintf(stderr, "zavera: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Zavera: qualified electronic signatures with GOST tokens.")
	fmt.Fprintln(w, "\nUsage: zavera COMMAND [ARGUMENTS]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-12s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'zavera COMMAND --help' for a command's options.")
}
