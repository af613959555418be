package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/zavera/zavera/agent/localchan"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/internal/nativehost"
)

const nativeHostUsage = `Usage: zavera native-host chrome-extension://ID/
       zavera native-host MANIFEST EXTENSION-ID

The native messaging host of the Zavera browser extension (host name
ru.zavera.host). Browsers start it with the arguments above: Chromium
browsers name the calling extension's origin, Firefox the host manifest
and the extension's id; any caller but the Zavera extension is refused.
It reads the extension's native messaging frames on stdin and relays each
page session to this user's running agent over the agent's local channel
(pages.sock in the state folder), starting 'zavera serve' when no agent
answers. Consent, PIN and the journal stay with the agent; see
docs/extension.md. Not for use from a terminal.`

// runNativeHost relays the extension's sessions to the agent.
func runNativeHost(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
		fmt.Fprintln(stdout, nativeHostUsage)
		return 0
	}
	// Whatever goes wrong is for the browser's log (stderr), never for
	// stdout, which carries the frames.
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if _, err := nativehost.Caller(args); err != nil {
		fmt.Fprintf(stderr, "zavera native-host: %v\n", err)
		return 1
	}
	cfg, err := loadAgentConfig("")
	if err != nil {
		fmt.Fprintf(stderr, "zavera native-host: %v\n", err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "zavera native-host: %v\n", err)
		return 1
	}
	agentExe := self
	if filepath.Base(self) != "zavera" && filepath.Base(self) != "zavera.exe" {
		if p, err := appconf.FindProgram("zavera"); err == nil {
			agentExe = p
		}
	}
	h := nativehost.New(nativehost.Options{
		Socket:     filepath.Join(cfg.StateDir, localchan.PagesSocket),
		StartAgent: func() error { return nativehost.StartDetached(agentExe, "serve") },
		Log:        log,
	}, stdout)
	if err := h.Run(stdin); err != nil {
		fmt.Fprintf(stderr, "zavera native-host: %v\n", err)
		return 1
	}
	return 0
}
