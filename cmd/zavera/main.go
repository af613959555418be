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
	"io"
	"os"

	"github.com/zavera/zavera/internal/cli"
	"github.com/zavera/zavera/internal/console"
	"github.com/zavera/zavera/pkcs11"
)

// command is one subcommand (see package internal/cli).
type command = cli.Command

var commands = map[string]command{
	"cert":    {Summary: "show a certificate's owner, organisation and key", Run: runCert},
	"digest":  {Summary: "print Streebog digests of files, like sha256sum", Run: runDigest},
	"verify":  {Summary: "verify a CAdES signature and show who signed", Run: runVerify},
	"enhance": {Summary: "make a CAdES signature long-term (CAdES-T, X Long Type 1)", Run: runEnhance},
	"serve":   {Summary: "run the signing agent on the loopback interface", Run: runServe},
	"journal": {Summary: "show or verify the signing journal", Run: runJournal},
	"tokens":  {Summary: "list PKCS#11 modules and tokens", Run: runTokens},
	"certs":   {Summary: "list certificates on tokens", Run: runCerts},
	"sign":    {Summary: "sign files with a token key (CAdES-BES)", Run: runSign},
	"keys":    {Summary: "list, add or remove software keys (CryptoPro containers, PKCS#12 files), or move one onto a token", Run: runKeys},

	"tls":       {Summary: "make the local CA and loopback certificate for wss://", Run: runTLS},
	"install":   {Summary: "trust the local CA, set browser policies and start at login", Run: runInstall},
	"uninstall": {Summary: "remove what 'zavera install' added", Run: runUninstall},
	"stop":      {Summary: "end this user's running agent (Windows)", Run: runStop},
	"doctor":    {Summary: "diagnose tokens, certificates, the port and local TLS", Run: runDoctor},

	"native-host": {Summary: "relay the browser extension to the agent (started by browsers)", Run: runNativeHost},

	"demo-portal": {Summary: "run the demo state-services portal on 127.0.0.1", Run: runDemoPortal},

	"verify-server": {Summary: "run the HTTP verification service for portals", Run: runVerifyServer},
}

func main() {
	// zavera.exe is a GUI-subsystem program on Windows: a command typed
	// in a console prints there (see internal/console).
	console.AttachParent()
	os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == issueTLSCommand {
		return runIssueTLS(args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == pkcs11.HostCommand {
		return runPKCS11Host(args[1:], stdin, stdout, stderr)
	}
	return program().Dispatch(args, stdin, stdout, stderr)
}

func program() cli.Program {
	return cli.Program{Name: "zavera", Commands: commands,
		Title:  "Zavera: qualified electronic signatures with GOST tokens.",
		Footer: "Run 'zavera COMMAND --help' for a command's options."}
}
