package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/journal"
	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/agent/localchan"
	"github.com/zavera/zavera/agent/localtls"
	"github.com/zavera/zavera/agent/multisource"
	"github.com/zavera/zavera/agent/p11source"
	"github.com/zavera/zavera/agent/scripted"
	"github.com/zavera/zavera/agent/softtoken"
	"github.com/zavera/zavera/agent/terminal"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/internal/logfile"
	"github.com/zavera/zavera/internal/sessionend"
	"github.com/zavera/zavera/pkcs11"
)

const serveUsage = `Usage: zavera serve [--headless] [--port N] [--config FILE] [--module PATH]...
                    [--key FILE --cert FILE] [--tls | --tls-cert FILE --tls-key FILE] [--verbose]
                    [--log-file FILE]
       zavera serve --list-origins [--config FILE]
       zavera serve --revoke ORIGIN [--config FILE]

Runs the signing agent: a websocket on 127.0.0.1 and [::1] that portal
pages use to list certificates and to sign (docs/protocol.md). Every new
site, every signature and every PIN is asked in Zavera's own windows,
each opened on demand in a short-lived process, with an icon in the tray
when the desktop has a D-Bus session bus.

  --headless         ask on the controlling terminal instead of in
                     windows.
  --port N           listen on the first free port of N..N+7 (default
                     from the configuration, 27413; 0 picks any free
                     port).
  --config FILE      configuration file (JSON); the approvals and the
                     journal then live beside it unless it names a
                     stateDir. Default: the per-user configuration folder
                     (~/.config/zavera/config.json) with the state in
                     ~/.local/state/zavera.
  --module PATH      a PKCS#11 module to load, besides those found in the
                     usual places and in ZAVERA_PKCS11_MODULES; repeatable.
  --key FILE         serve a PKCS#8 private key (GOST R 34.10-2012, ECDSA
  --cert FILE        or RSA; PEM or DER) and its certificate as a software
                     token instead of PKCS#11 tokens. For development and
                     demos: a key in a file is not a qualified signature
                     tool.
  --tls              serve wss:// as well as ws:// on the same port, with
                     the loopback certificate in the state folder (tls/),
                     made on first use in a short-lived child process by
                     a local CA whose key dies with it; tls/ca.pem is what
                     the installer trusts.
  --tls-cert FILE    serve wss:// with this certificate and key (PEM)
  --tls-key FILE     instead.
  --verbose          log requests and refusals in detail on stderr.
  --log-file FILE    write the log to FILE as well, kept to 5 files of
                     1 MiB (FILE.1 is the one before). Default on
                     Windows %LOCALAPPDATA%\Zavera\logs\zavera.log, where
                     the agent started at login has no console; none
                     elsewhere. No PIN is ever logged.
  --list-origins     print the configured and the approved origins.
  --revoke ORIGIN    forget an approved origin; a running agent refuses
                     it from its next request.

The agent prints "zavera: listening on ..." once it accepts connections
and stops cleanly on SIGINT or SIGTERM. It serves only processes of its
own user. Several users logged in at once each get their own agent: a
port held by another user's process is named and skipped for the next
one of the range. When this user's Zavera already answers on a port of
the range, serve asks it to bring its main window forward (through the
socket agent.sock in the state folder, which only the user can open)
and exits 0; when another program of this user holds the port, it says
so and exits 1.

The browser extension's pages reach the agent through its native
messaging host (zavera-host), which relays them over pages.sock in the
state folder, a socket only the user can open; see docs/extension.md.`

// serveArgs are the parsed arguments of `zavera serve`.
type serveArgs struct {
	headless, verbose, listOrigins bool
	tls                            bool
	port                           int
	portSet                        bool
	config, key, cert              string
	logFile                        string
	tlsCert, tlsKey, revoke        string
	modules                        []string
}

func parseServeArgs(args []string) (*serveArgs, error) {
	a := &serveArgs{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&a.headless, "headless", false, "")
	fs.BoolVar(&a.verbose, "verbose", false, "")
	fs.BoolVar(&a.listOrigins, "list-origins", false, "")
	fs.BoolVar(&a.tls, "tls", false, "")
	fs.IntVar(&a.port, "port", 0, "")
	fs.StringVar(&a.config, "config", "", "")
	fs.StringVar(&a.key, "key", "", "")
	fs.StringVar(&a.cert, "cert", "", "")
	fs.StringVar(&a.tlsCert, "tls-cert", "", "")
	fs.StringVar(&a.tlsKey, "tls-key", "", "")
	fs.StringVar(&a.revoke, "revoke", "", "")
	fs.StringVar(&a.logFile, "log-file", "", "")
	fs.Func("module", "", func(v string) error { a.modules = append(a.modules, v); return nil })
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { a.portSet = a.portSet || f.Name == "port" })
	if a.portSet && (a.port < 0 || a.port > 65535) {
		return nil, fmt.Errorf("--port %d out of range", a.port)
	}
	if (a.key == "") != (a.cert == "") {
		return nil, errors.New("--key and --cert go together")
	}
	if a.key != "" && len(a.modules) > 0 {
		return nil, errors.New("--module and --key exclude each other")
	}
	if (a.tlsCert == "") != (a.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if a.tls && a.tlsCert != "" {
		return nil, errors.New("--tls and --tls-cert exclude each other")
	}
	return a, nil
}

// loadAgentConfig reads the configuration, merges the machine-wide one
// into it and finds the state folder, as the window program does.
func loadAgentConfig(path string) (agent.Config, error) { return appconf.LoadConfig(path) }

// openServeLog opens the log file: path, else the system's (on Windows;
// none elsewhere). It returns nil when there is none.
func openServeLog(path string) (*logfile.File, error) {
	if path == "" {
		p, err := logfile.Path()
		if err != nil || p == "" {
			return nil, err
		}
		path = p
	}
	return logfile.Open(path, logfile.Options{})
}

func approvalsPath(cfg agent.Config) string { return appconf.ApprovalsPath(cfg) }
func journalPath(cfg agent.Config) string   { return appconf.JournalPath(cfg) }

// softwareKeys is the source of the key files and containers the user
// added and of the containers found where CryptoPro keeps them.
func softwareKeys(cfg agent.Config, log *slog.Logger) *keysource.Source {
	return keysource.New(keysource.Options{List: keysource.OpenList(appconf.KeysPath(cfg)), Discover: true, Log: log})
}

// runServe implements `zavera serve`.
func runServe(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	a, err := parseServeArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, serveUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera serve: %v\n\n%s\n", err, serveUsage)
		return 2
	}
	if !a.listOrigins && a.revoke == "" {
		logFile, err := openServeLog(a.logFile)
		if err != nil {
			// Not fatal: the log still goes to standard error.
			fmt.Fprintf(stderr, "zavera serve: warning: no log file: %v\n", err)
		} else if logFile != nil {
			defer logFile.Close()
			stderr = logfile.Tee(logFile, stderr)
			fmt.Fprintf(logFile, "%s zavera %s serve started, process %d\n", time.Now().Format(time.RFC3339), version(), os.Getpid())
		}
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "zavera serve: %v\n", err)
		return 1
	}
	cfg, err := loadAgentConfig(a.config)
	if err != nil {
		return fail(err)
	}
	if a.portSet {
		cfg.Port = a.port
	}
	approvals, err := agent.OpenApprovals(approvalsPath(cfg))
	if err != nil {
		return fail(err)
	}
	if a.listOrigins || a.revoke != "" {
		for _, e := range approvals.Skipped() {
			fmt.Fprintf(stderr, "zavera serve: warning: %v\n", e)
		}
	}
	switch {
	case a.listOrigins:
		for _, o := range cfg.Origins {
			fmt.Fprintf(stdout, "%s\tconfigured\n", o)
		}
		for _, o := range approvals.List() {
			fmt.Fprintf(stdout, "%s\tapproved\n", o)
		}
		return 0
	case a.revoke != "":
		if err := approvals.Revoke(a.revoke); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "zavera: %s is no longer approved\n", a.revoke)
		return 0
	}
	// A second start finds the running agent and leaves it the port;
	// ports of the range held by other users are skipped.
	firstPort := cfg.Port
	port, code, done := choosePort(firstPort, cfg.StateDir, stdout, stderr)
	if done {
		return code
	}
	cfg.Port = port
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	for _, e := range approvals.Skipped() {
		log.Warn("approvals: part of the file skipped", "err", e)
	}
	approvals.SetLog(log)
	// On Windows, log-off, shutdown and a request to close (taskkill,
	// the installer) end the agent as SIGTERM does; the session waits
	// until the journal is closed, which the defers below do first.
	sessionCtx, endSession := context.WithCancel(context.Background())
	defer endSession()
	if stopWatch, err := sessionend.Watch(endSession); err != nil {
		log.Warn("the end of the Windows session will not stop the agent cleanly", "err", err)
	} else {
		defer stopWatch()
	}
	var tokens agent.TokenSource
	var pinPad func(tokenID string) bool
	var login func(ctx context.Context, tokenID string, pin agent.PINFunc) error
	if a.key != "" {
		if tokens, err = softtoken.Load(a.key, a.cert); err != nil {
			return fail(err)
		}
	} else {
		// A driver that crashes or hangs is logged, and its host's
		// restarts are kept in the state folder for zavera doctor.
		var health func() []pkcs11.ModuleHealth
		healthReady := make(chan struct{})
		onFailure := func(f pkcs11.ModuleFailure) {
			log.Warn("PKCS#11 module failed; it is restarted", "path", f.Module, "call", f.Op, "reason", f.Reason)
			<-healthReady
			if err := writeModuleHosts(cfg.StateDir, health()); err != nil {
				log.Warn("module hosts: state not written", "err", err)
			}
		}
		m, err := pkcs11.Open(pkcs11.Options{Modules: append(cfg.Modules, a.modules...), NoDiscovery: cfg.NoModuleDiscovery,
			Isolate: moduleIsolation(cfg.ModuleHosts, onFailure)})
		if err != nil {
			return fail(err)
		}
		defer m.Close()
		health = m.Health
		close(healthReady)
		if err := writeModuleHosts(cfg.StateDir, m.Health()); err != nil {
			log.Warn("module hosts: state not written", "err", err)
		}
		loaded := 0
		for _, mod := range m.Modules() {
			if mod.Err != nil {
				log.Warn("PKCS#11 module not loaded", "path", mod.Path, "err", mod.Err)
				continue
			}
			loaded++
			log.Info("PKCS#11 module loaded", "path", mod.Path, "description", mod.Description)
		}
		if loaded == 0 {
			log.Warn("no PKCS#11 module loaded: pages will see no tokens until one is installed")
		}
		src := p11source.NewWithOptions(m, p11source.Options{IdleLogout: time.Duration(cfg.Limits.IdleLogout), Log: log})
		defer watchSessionLock(src, log)()
		tokens = multisource.New(src, softwareKeys(cfg, log))
		login = src.Login
		pinPad = func(id string) bool {
			toks, _ := m.Tokens()
			for _, t := range toks {
				if t.ID == id {
					return t.PIN.PINPad
				}
			}
			return false
		}
	}
	var desk *desktop
	prompter, scriptedOn := scripted.FromEnv()
	switch {
	case scriptedOn:
	case a.headless:
		t, err := terminal.Open()
		if err != nil {
			return fail(err)
		}
		prompter = t
	default:
		desk, err = startDesktop(desktopOptions{cfg: cfg, approvals: approvals, tokens: tokens, pinPad: pinPad, login: login, log: log, stderr: stderr})
		if err != nil {
			return fail(err)
		}
		defer desk.Close()
		prompter = desk.prompter
	}
	var tlsConf *tls.Config
	if a.tls {
		dir := servedTLSDir(runtime.GOOS, cfg)
		conf, made, err := loadOrIssueTLS(dir, time.Now())
		if err != nil {
			return fail(err)
		}
		if made {
			fmt.Fprintf(stderr, "zavera serve: made a new local CA; browsers trust wss:// once %s is installed in their trust stores\n",
				filepath.Join(dir, localtls.CAFile))
		}
		tlsConf = conf
	}
	if a.tlsCert != "" {
		pair, err := tls.LoadX509KeyPair(a.tlsCert, a.tlsKey)
		if err != nil {
			return fail(fmt.Errorf("TLS certificate: %w", err))
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	j, err := journal.OpenWith(journalPath(cfg), journalOptions(cfg))
	if err != nil {
		return fail(err)
	}
	defer j.Close()
	warnRecovered(j, log, stderr)
	if scriptedOn {
		log.Warn("test build: every request is approved without asking")
	}
	srv, err := agent.New(agent.Options{
		Config: cfg, Tokens: tokens, Prompter: prompter, Journal: j, Approvals: approvals,
		TLS: tlsConf, Log: log, Version: version(),
	})
	if err != nil {
		return fail(err)
	}
	lb, err := agent.ListenLoopback(cfg.Port)
	if agent.IsAddrInUse(err) && firstPort != 0 {
		// Taken while this agent was starting, or held on [::1] only.
		port, code, done := choosePort(firstPort, cfg.StateDir, stdout, stderr)
		if done {
			return code
		}
		lb, err = agent.ListenLoopback(port)
	}
	if err != nil {
		return fail(err)
	}
	if lb.NoIPv6 != nil {
		log.Warn("no IPv6 loopback listener: pages that connect to [::1] or to a localhost that means [::1] will not reach Zavera", "err", lb.NoIPv6)
	}
	lns := lb.Listeners
	inst, err := listenInstance(filepath.Join(cfg.StateDir, instanceSocket), func() string {
		if desk == nil {
			return instanceHeadless
		}
		desk.openMain()
		return instanceShown
	}, log)
	if err != nil {
		log.Warn("a second start of Zavera will not be able to show this agent's window", "err", err)
	}
	defer inst.Close()
	// The local channel of the pages that the browser extension serves,
	// relayed by the native messaging host.
	pagesPath := filepath.Join(cfg.StateDir, localchan.PagesSocket)
	if pln, err := localchan.Listen(pagesPath); err != nil {
		log.Warn("the browser extension will not reach this agent", "err", err)
	} else {
		defer os.Remove(pagesPath)
		go func() {
			if err := srv.ServeLocal(pln); err != nil {
				log.Warn("local channel ended", "err", err)
			}
		}()
	}
	ctx, stop := signal.NotifyContext(sessionCtx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, len(lns))
	var names []string
	for _, ln := range lns {
		names = append(names, "ws://"+ln.Addr().String())
		if tlsConf != nil {
			names = append(names, "wss://"+ln.Addr().String())
		}
		go func(ln net.Listener) { errc <- srv.Serve(ln) }(ln)
	}
	fmt.Fprintf(stdout, "zavera: listening on %s\n", strings.Join(names, " "))
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	case <-desk.Quit():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if serveErr != nil {
		return fail(serveErr)
	}
	return 0
}

// version is the product version reported to pages: the module version,
// or the VCS revision of a development build.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}
