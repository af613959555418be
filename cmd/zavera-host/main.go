// Command zavera-host is the native messaging host of the Zavera browser
// extension: the program that the host manifests (ru.zavera.host) name
// and browsers start. It relays the extension's page sessions to the
// user's running agent and starts the agent when none runs; see package
// internal/nativehost. It is a program of its own because a manifest
// names an executable and no arguments, and because a small program
// starts faster than zavera each time a browser opens the extension's
// port.
package main

import (
	"os"

	"github.com/zavera/zavera/internal/nativehost"
)

func main() {
	os.Exit(nativehost.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
