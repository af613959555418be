package nativehost

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/zavera/zavera/agent/localchan"
	"github.com/zavera/zavera/internal/appconf"
)

// Usage is the host's help text.
const Usage = `Usage: zavera-host chrome-extension://ID/
       zavera-host MANIFEST EXTENSION-ID
       (also: zavera native-host ...)

The native messaging host of the Zavera browser extension (host name
ru.zavera.host). Browsers start it with the arguments above: Chromium
browsers name the calling extension's origin, Firefox the host manifest
and the extension's id; any caller but the Zavera extension is refused.
It reads the extension's native messaging frames on stdin and relays each
page session to this user's running agent over the agent's local channel
(pages.sock in the state folder), starting 'zavera serve --tls' when no agent
answers. Consent, PIN and the journal stay with the agent; see
docs/extension.md. Not for use from a terminal.`

// Main runs the host as the browser started it and returns the exit
// code. Nothing but frames is ever written to stdout; what goes wrong is
// written to stderr, which the browsers keep in their logs.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
		fmt.Fprintln(stdout, Usage)
		return 0
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "zavera-host: %v\n", err)
		return 1
	}
	if _, err := Caller(args); err != nil {
		return fail(err)
	}
	cfg, err := appconf.LoadConfig("")
	if err != nil {
		return fail(err)
	}
	h := New(Options{
		Socket: filepath.Join(cfg.StateDir, localchan.PagesSocket),
		// As the autostart entry starts it, so that websocket pages find
		// the same agent, wss:// included.
		// The program is looked up only when no agent answers, so that a
		// running agent is reached whatever folder the host is in.
		StartAgent: func() error {
			agentExe, err := agentProgram()
			if err != nil {
				return err
			}
			return StartDetached(agentExe, "serve", "--tls")
		},
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}, stdout)
	if err := h.Run(stdin); err != nil {
		return fail(err)
	}
	return 0
}

// agentProgram is the zavera executable: this one when the host runs as
// `zavera native-host`, else the one beside it or on PATH.
func agentProgram() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	name := strings.TrimSuffix(filepath.Base(self), ".exe")
	if name == appconf.AgentProgram {
		return self, nil
	}
	return appconf.FindProgram(appconf.AgentProgram)
}
