package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/internal/childproc"
	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/mainlink"
	"github.com/zavera/zavera/ui/prompter"
	"github.com/zavera/zavera/ui/tray"
)

// errNoDisplay is a desktop session without a display to show windows on.
var errNoDisplay = errors.New("no display for Zavera's windows (DISPLAY and WAYLAND_DISPLAY are unset): run with --headless to ask on this terminal")

// desktop is what `zavera serve` runs without --headless: a prompter that
// opens each window in a `zavera-ui prompt` process, and the tray when
// the desktop has a D-Bus session bus. The agent process itself never
// opens a window and does not link the GUI toolkit: zavera-ui, installed
// beside it, does.
type desktop struct {
	prompter  *prompter.Prompter
	tray      *tray.Tray
	approvals *agent.Approvals
	tokens    agent.TokenSource
	log       *slog.Logger
	uiExe     string // zavera-ui
	quit      chan struct{}
	quitOnce  sync.Once
	stop      chan struct{}
	wg        sync.WaitGroup

	// noticePath keeps the time of the last expiry notification.
	noticePath string

	mu   sync.Mutex
	once []string               // sites allowed once, forgotten when the agent stops
	main *exec.Cmd              // the main window's process, while open
	link *mainlink.AgentHandler // what answers it
}

// spareFor is how long a spare window process waits for the next prompt
// of a session (the signature after the pairing, a PIN asked again)
// before it exits and the agent is small again.
const spareFor = 2 * time.Minute

// desktopOptions are what the desktop needs from `zavera serve`.
type desktopOptions struct {
	cfg       agent.Config
	approvals *agent.Approvals
	tokens    agent.TokenSource
	// pinPad reports whether a token (by agent.Token ID) has a PIN pad.
	pinPad func(tokenID string) bool
	// login logs the token source in to a token for the main window's
	// «Показать сертификаты»; nil without PKCS#11 modules.
	login  func(ctx context.Context, tokenID string, pin agent.PINFunc) error
	log    *slog.Logger
	stderr io.Writer
}

// checkDisplay reports whether the system goos, with the environment
// getenv, has somewhere to show Zavera's windows. X11 and Wayland
// desktops name their display in DISPLAY or WAYLAND_DISPLAY; without one
// (a console login, ssh, a service) windows cannot open. Windows has no
// such variable: a program started in a user's session draws on its
// desktop, so there is always one.
func checkDisplay(goos string, getenv func(string) string) error {
	if goos == "windows" {
		return nil
	}
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return errNoDisplay
	}
	return nil
}

func startDesktop(o desktopOptions) (*desktop, error) {
	if err := checkDisplay(runtime.GOOS, os.Getenv); err != nil {
		return nil, err
	}
	exe, err := findUIProgram()
	if err != nil {
		return nil, err
	}
	d := &desktop{approvals: o.approvals, tokens: o.tokens, log: o.log, uiExe: exe,
		quit: make(chan struct{}), stop: make(chan struct{}), noticePath: expiryNoticePath(o.cfg)}
	d.link = &mainlink.AgentHandler{Source: o.tokens, LoginFunc: o.login, PIN: func(ctx context.Context, r agent.PINRequest) (*agent.PIN, error) {
		return d.prompter.PIN(ctx, r)
	}}
	lang := appconf.Language(o.cfg)
	d.prompter, err = prompter.New(prompter.Options{
		Command:      func() *exec.Cmd { return exec.Command(exe, "prompt") },
		Spare:        func() *exec.Cmd { return exec.Command(exe, "prompt", "--spare") },
		SpareFor:     spareFor,
		Lang:         lang,
		Token:        func(c *cert.Certificate) prompter.TokenInfo { return d.tokenOf(c, o.pinPad) },
		ApprovedOnce: d.approvedOnce,
		Log:          o.log,
		Stderr:       o.stderr,
	})
	if err != nil {
		return nil, err
	}
	d.tray, err = tray.Start(tray.Menu{Lang: lang, Open: d.openMain, Pause: d.prompter.SetPaused, Quit: d.requestQuit})
	if err != nil {
		o.log.Warn("running without a tray icon", "reason", err)
	} else {
		d.wg.Add(1)
		go d.watch(lang)
	}
	return d, nil
}

// tokenOf finds the token that holds c.
func (d *desktop) tokenOf(c *cert.Certificate, pinPad func(string) bool) prompter.TokenInfo {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	certs, err := d.tokens.Certificates(ctx)
	if err != nil && len(certs) == 0 {
		return prompter.TokenInfo{}
	}
	var id string
	for _, tc := range certs {
		if tc.Cert != nil && string(tc.Cert.Raw) == string(c.Raw) {
			id = tc.TokenID
			break
		}
	}
	if id == "" {
		return prompter.TokenInfo{}
	}
	toks, _ := d.tokens.Tokens(ctx)
	for _, t := range toks {
		if t.ID == id {
			return prompter.TokenInfo{Label: t.Label, PINPad: pinPad != nil && pinPad(id), SoftwareKey: t.SoftwareKey}
		}
	}
	return prompter.TokenInfo{}
}

func (d *desktop) approvedOnce(origin string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.once = append(d.once, origin)
}

func (d *desktop) requestQuit() { d.quitOnce.Do(func() { close(d.quit) }) }

// Quit is closed when the user quits from the tray.
func (d *desktop) Quit() <-chan struct{} {
	if d == nil {
		return nil
	}
	return d.quit
}

// openMain opens the main window in its own process (`zavera-ui main`),
// once at a time.
func (d *desktop) openMain() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.main != nil {
		return
	}
	// The window asks this agent for the tokens and for logins over its
	// standard input and output (package ui/mainlink).
	cmd := childproc.NoConsole(exec.Command(d.uiExe, "main", "--agent-link"))
	toWindow, err := cmd.StdinPipe()
	if err != nil {
		d.log.Error("main window not opened", "err", err)
		return
	}
	fromWindow, err := cmd.StdoutPipe()
	if err != nil {
		d.log.Error("main window not opened", "err", err)
		return
	}
	if err := cmd.Start(); err != nil {
		d.log.Error("main window not opened", "err", err)
		return
	}
	d.main = cmd
	go func() {
		if err := mainlink.Serve(fromWindow, toWindow, d.link); err != nil {
			d.log.Info("main window link ended", "err", err)
		}
		toWindow.Close()
	}()
	go func() {
		cmd.Wait()
		d.mu.Lock()
		d.main = nil
		d.mu.Unlock()
	}()
}

// watch keeps the tray's tokens and sites current and warns once a day
// about certificates that expire within 30 days.
func (d *desktop) watch(lang i18n.Lang) {
	defer d.wg.Done()
	changed := make(chan struct{}, 1)
	unsubscribe := d.tokens.Subscribe(func(agent.TokenEvent) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	defer unsubscribe()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	warned := lastExpiryNotice(d.noticePath)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		toks, _ := d.tokens.Tokens(ctx)
		d.tray.SetTokens(len(toks))
		d.tray.SetSites(d.approvals.List())
		if expiryNoticeDue(warned, time.Now()) {
			warned = time.Now()
			if err := saveExpiryNotice(d.noticePath, warned); err != nil {
				d.log.Warn("time of the expiry notification not kept", "err", err)
			}
			certs, _ := d.tokens.Certificates(ctx)
			for _, tc := range certs {
				c := tc.Cert
				if c == nil || c.NotAfter.Before(warned) || c.NotAfter.Sub(warned) > 30*24*time.Hour {
					continue
				}
				body := lang.T(i18n.ExpiryNotice, c.Subject.CommonName, c.NotAfter.Local().Format("2006-01-02"))
				if err := tray.Notify(lang.T(i18n.ExpiryTitle), body); err != nil {
					d.log.Warn("expiry notification not shown", "err", err)
				}
			}
		}
		cancel()
		select {
		case <-d.stop:
			return
		case <-tick.C:
		case <-changed:
		}
	}
}

// Close removes the tray and forgets the sites allowed once.
func (d *desktop) Close() {
	if d == nil {
		return
	}
	close(d.stop)
	d.wg.Wait()
	d.prompter.Close()
	if d.tray != nil {
		d.tray.Stop()
	}
	d.mu.Lock()
	once := d.once
	d.once = nil
	d.mu.Unlock()
	for _, o := range once {
		if err := d.approvals.Revoke(o); err != nil {
			d.log.Warn("site allowed once not forgotten", "origin", o, "err", err)
		}
	}
}
