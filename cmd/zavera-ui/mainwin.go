package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"fyne.io/fyne/v2/app"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/pkcs11"
	"github.com/zavera/zavera/ui"
	"github.com/zavera/zavera/ui/wire"
)

const mainUsage = `Usage: zavera ui [--config FILE] [--tab NAME]
       zavera-ui main [--config FILE] [--tab NAME]

Opens Zavera's main window: the tokens and their certificates (with a
warning for those that expire within 30 days), the approved sites (with
revoke), the signing journal (with search), the settings and the
diagnostics of 'zavera doctor'. The tray's "Open Zavera" runs it.

  --config FILE  configuration file (default: the user's).
  --tab NAME     open on this page: tokens, sites, journal, settings or
                 diagnostics.`

// maxJournalShown bounds the records the window loads (the newest).
const maxJournalShown = 5000

func runMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("main", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config := fs.String("config", "", "")
	tab := fs.String("tab", "", "")
	// Set by the agent that opens the window: see mainlink.go.
	agentLink := fs.Bool("agent-link", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, mainUsage)
			return 0
		}
		fmt.Fprintf(stderr, "zavera ui: %v\n\n%s\n", err, mainUsage)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zavera ui: unexpected argument %q\n\n%s\n", fs.Arg(0), mainUsage)
		return 2
	}
	cfgPath := *config
	if cfgPath == "" {
		p, err := agent.DefaultConfigPath()
		if err != nil {
			fmt.Fprintf(stderr, "zavera ui: %v\n", err)
			return 1
		}
		cfgPath = p
	}
	cfg, err := appconf.LoadConfig(*config)
	if err != nil {
		fmt.Fprintf(stderr, "zavera ui: %v\n", err)
		return 1
	}
	approvals, err := agent.OpenApprovals(appconf.ApprovalsPath(cfg))
	if err != nil {
		fmt.Fprintf(stderr, "zavera ui: %v\n", err)
		return 1
	}
	for _, e := range approvals.Skipped() {
		fmt.Fprintf(stderr, "zavera ui: warning: %v\n", e)
	}
	b := &mainBackend{cfgPath: cfgPath, cfg: cfg, approvals: approvals}
	var backend ui.Backend = b
	if *agentLink {
		backend = &linkedBackend{mainBackend: b, link: linkTo(stdin, stdout)}
	}
	a := app.NewWithID(appID)
	w := a.NewWindow("Zavera")
	m := ui.ShowMain(w, appconf.Language(cfg), backend, time.Now())
	if *tab != "" && !m.SelectTab(*tab) {
		fmt.Fprintf(stderr, "zavera ui: no page %q\n", *tab)
		return 2
	}
	w.SetMaster()
	a.Run()
	return 0
}

// mainBackend gives the main window the tokens, sites, journal, settings
// and diagnostics.
type mainBackend struct {
	cfgPath   string
	cfg       agent.Config
	approvals *agent.Approvals
}

func (b *mainBackend) Tokens() ([]ui.TokenView, error) {
	m, err := pkcs11.Open(pkcs11.Options{Modules: b.cfg.Modules, NoDiscovery: b.cfg.NoModuleDiscovery})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	toks, err := m.Tokens()
	if err != nil && len(toks) == 0 {
		return nil, err
	}
	certs, _ := m.Certificates()
	out := make([]ui.TokenView, 0, len(toks))
	for _, t := range toks {
		v := ui.TokenView{ID: t.ID, Label: t.Label, Model: t.Model, Serial: t.Serial, PINLocked: t.PIN.Locked,
			CertificatesAfterLogin: t.CertificatesAfterLogin}
		for _, c := range certs {
			if c.Token.ID == t.ID && c.Cert != nil {
				v.Certificates = append(v.Certificates, *wire.FromCertificate(c.Cert, t.Label))
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (b *mainBackend) Sites() ([]ui.SiteView, error) {
	var out []ui.SiteView
	seen := map[string]bool{}
	for _, o := range b.cfg.Origins {
		out = append(out, ui.SiteView{Origin: o, Configured: true})
		seen[o] = true
	}
	for _, o := range b.approvals.List() {
		if !seen[o] {
			out = append(out, ui.SiteView{Origin: o})
		}
	}
	return out, nil
}

func (b *mainBackend) Revoke(origin string) error { return b.approvals.Revoke(origin) }

func (b *mainBackend) Journal() ([]ui.JournalEntry, error) {
	var out []ui.JournalEntry
	err := journal.ReadAll(appconf.JournalPath(b.cfg), func(r journal.Record) error {
		cert := r.Subject
		if cert == "" {
			cert = r.Certificate
		}
		desc := r.Description
		if r.Count > 0 {
			// A count of requests refused before any prompt.
			desc = fmt.Sprintf("%d × %s", r.Count, r.Reason)
		}
		out = append(out, ui.JournalEntry{Time: r.Time, Event: r.Event, Outcome: r.Outcome, Origin: r.Origin,
			Certificate: cert, Description: desc, Document: r.Document})
		if len(out) > 2*maxJournalShown {
			out = append(out[:0], out[len(out)-maxJournalShown:]...)
		}
		return nil
	})
	if len(out) > maxJournalShown {
		out = out[len(out)-maxJournalShown:]
	}
	return out, err
}

func (b *mainBackend) Settings() (ui.Settings, error) {
	s := ui.Settings{Modules: b.cfg.Modules, Port: b.cfg.Port, StartAtLogin: appconf.StartsAtLogin()}
	us, err := appconf.LoadUISettings(b.cfg)
	s.Language = us.Language
	return s, err
}

func (b *mainBackend) SaveSettings(s ui.Settings) error {
	if err := appconf.UpdateConfigFile(b.cfgPath, s.Modules, s.Port); err != nil {
		return err
	}
	if err := appconf.SaveUISettings(b.cfg, appconf.UISettings{Language: s.Language}); err != nil {
		return err
	}
	if !s.StartAtLogin {
		return appconf.SetStartAtLogin("", false)
	}
	// The entry starts the agent, which is installed beside this program.
	exe, err := appconf.FindProgram(appconf.AgentProgram)
	if err != nil {
		return err
	}
	return appconf.SetStartAtLogin(exe, true)
}

var _ ui.Backend = (*mainBackend)(nil)
