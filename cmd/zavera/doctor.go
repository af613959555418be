package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/installer"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/internal/logfile"
	"github.com/zavera/zavera/internal/regpolicy"
	"github.com/zavera/zavera/pkcs11"
)

const doctorUsage = `Usage: zavera doctor [--config FILE] [--port N] [--module PATH]... [--no-discovery]
                     [--root DIR] [--home DIR] [--json]

Prints what a support line asks for, in one report: the version, the
configuration in force, the PKCS#11 modules loaded and those that failed
(with the reason), the tokens, their certificates and whether they are
valid, the agent's port and whether Zavera answers on it (ws:// and
wss://), the local TLS certificate and whether the system and the
browsers' NSS databases trust it. It ends with the problems found.

  --config FILE    the configuration (default: the user's).
  --port N         look at this port instead of the configuration's.
  --module PATH    load this module too; repeatable.
  --no-discovery   load only the modules named by --module, the
                   configuration and ZAVERA_PKCS11_MODULES.
  --root DIR       take system paths under DIR.
  --home DIR       the user's home folder (default $HOME).
  --json           print JSON.

Exit status: 0 no problem found, 1 problems found, 2 bad usage.`

type doctorReport struct {
	Version      string           `json:"version"`
	OS           string           `json:"os"`
	Config       doctorConfig     `json:"config"`
	LogFile      string           `json:"log_file,omitempty"`
	Modules      []moduleJSON     `json:"modules"`
	ModuleHosts  *doctorModHosts  `json:"module_hosts"`
	Tokens       []pkcs11.Token   `json:"tokens"`
	TokenDrivers []doctorDriver   `json:"token_drivers"`
	Certificates []tokenCertJSON  `json:"certificates"`
	Agent        doctorAgent      `json:"agent"`
	Ports        []portStatus     `json:"ports"`
	LocalTLS     doctorTLS        `json:"local_tls"`
	Installation installer.Status `json:"installation"`
	UIProgram    doctorUIProgram  `json:"window_program"`
	Problems     []string         `json:"problems"`
}

type doctorConfig struct {
	Path    string        `json:"path"`
	Exists  bool          `json:"exists"`
	Error   string        `json:"error,omitempty"`
	InForce *agent.Config `json:"in_force,omitempty"`
	// GroupPolicy is the registry key of the group policy in force
	// (Windows).
	GroupPolicy string `json:"group_policy,omitempty"`
}

type doctorAgent struct {
	Port        int    `json:"port"`
	Answers     bool   `json:"answers"`
	Protocol    int    `json:"protocol,omitempty"`
	Error       string `json:"error,omitempty"`
	WSSAnswers  bool   `json:"wss_answers"`
	WSSError    string `json:"wss_error,omitempty"`
	WSSVerified bool   `json:"wss_verified"`
}

type doctorTLS struct {
	*localTLSInfo
	Present        bool        `json:"present"`
	Error          string      `json:"error,omitempty"`
	ValidNow       bool        `json:"valid_now"`
	TrustedSystem  bool        `json:"trusted_by_system"`
	SystemBundle   string      `json:"system_bundle,omitempty"`
	NSS            []doctorNSS `json:"nss_databases"`
	TrustedAllNSS  bool        `json:"trusted_by_all_nss"`
	SearchedFolder []string    `json:"searched"`
}

type doctorNSS struct {
	installer.NSSDatabase
	Trusted bool `json:"trusted"`
}

// runDoctor implements `zavera doctor`.
func runDoctor(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		modules []string
		opts    installer.Options
	)
	config := fs.String("config", "", "")
	port := fs.Int("port", -1, "")
	noDiscovery := fs.Bool("no-discovery", false, "")
	asJSON := fs.Bool("json", false, "")
	fs.StringVar(&opts.Root, "root", "", "")
	fs.StringVar(&opts.Home, "home", "", "")
	fs.Func("module", "", func(v string) error { modules = append(modules, v); return nil })
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, doctorUsage)
		return 0
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err == nil && (*port > 65535 || *port < -1 || *port == 0) {
		err = fmt.Errorf("--port %d out of range", *port)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera doctor: %v\n\n%s\n", err, doctorUsage)
		return 2
	}
	r := &doctorReport{Version: version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	lang := doctorLang()
	problem := func(format string, a ...any) { r.Problems = append(r.Problems, doctorProblem(lang, format, a...)) }

	// The configuration in force.
	r.Config.Path = *config
	if r.Config.Path == "" {
		r.Config.Path, _ = agent.DefaultConfigPath()
	}
	_, statErr := os.Stat(r.Config.Path)
	r.Config.Exists = statErr == nil
	cfg, err := loadAgentConfig(*config)
	if err != nil {
		r.Config.Error = err.Error()
		problem("the configuration cannot be used: %v", err)
		cfg = agent.DefaultConfig()
	} else {
		r.Config.InForce = &cfg
	}
	if *port > 0 {
		cfg.Port = *port
	}
	if _, ok, _ := regpolicy.Load(); ok {
		r.Config.GroupPolicy = `HKEY_LOCAL_MACHINE\` + regpolicy.KeyPath
	}
	// Where `zavera serve` writes its log besides standard error.
	r.LogFile, _ = logfile.Path()

	// Modules, tokens, certificates.
	now := time.Now()
	m, err := pkcs11.Open(pkcs11.Options{Modules: append(cfg.Modules, modules...), NoDiscovery: *noDiscovery || cfg.NoModuleDiscovery,
		Isolate: moduleIsolation(cfg.ModuleHosts, nil)})
	if err != nil {
		problem("PKCS#11: %v", err)
	} else {
		defer m.Close()
		r.Modules = modulesJSON(m.Modules())
		loaded := 0
		for _, mod := range r.Modules {
			if mod.Err != nil {
				problem("module %s failed to load: %v", mod.Path, mod.Err)
			} else {
				loaded++
			}
		}
		if loaded == 0 {
			problem("no PKCS#11 module is loaded: install the token's driver")
		}
		if r.Tokens, err = m.Tokens(); err != nil {
			problem("tokens: %v", err)
		}
		for _, t := range r.Tokens {
			if t.PIN.Locked {
				problem("the PIN of token %q is locked", t.Label)
			}
		}
		r.TokenDrivers = doctorDrivers(m, r.Tokens, lang)
		certs, err := m.Certificates()
		if err != nil {
			problem("certificates: %v", err)
		}
		for _, c := range certs {
			cj := newTokenCertJSON(c, now)
			r.Certificates = append(r.Certificates, cj)
			switch {
			case !cj.ValidNow:
				problem("certificate %s (%s) is not valid now: %s", c.ID, cj.Owner, validityText(c.Cert, now))
			case c.Cert.NotAfter.Sub(now) < 30*24*time.Hour:
				problem("certificate %s (%s) expires on %s", c.ID, cj.Owner, c.Cert.NotAfter.UTC().Format(time.DateOnly))
			}
		}
	}
	if len(r.Tokens) == 0 && m != nil {
		problem("no token found: insert the token")
	}
	r.ModuleHosts = doctorModuleHosts(cfg, m)
	if h := r.ModuleHosts; h != nil {
		for _, mod := range h.Modules {
			if mod.Restarts > 0 && mod.LastFailure != nil {
				problem("the token driver %s was restarted %d times; last failure: %s", mod.Path, mod.Restarts, failureText(mod.LastFailure))
			}
		}
	}
	if r.Modules == nil {
		r.Modules = []moduleJSON{}
	}
	if r.Tokens == nil {
		r.Tokens = []pkcs11.Token{}
	}
	if r.TokenDrivers == nil {
		r.TokenDrivers = []doctorDriver{}
	}
	if r.Certificates == nil {
		r.Certificates = []tokenCertJSON{}
	}

	// The local TLS certificate and its trust.
	r.LocalTLS = doctorLocalTLS(&opts, cfg, now)
	r.Installation = opts.Status()
	if runtime.GOOS == "windows" && appconf.StartsAtLogin() {
		r.Installation.Autostart = append(r.Installation.Autostart, `HKCU\`+installer.RunKey+`\Zavera`)
	}
	if (runtime.GOOS == "linux" || runtime.GOOS == "windows") && len(r.Installation.Autostart) == 0 {
		problem("nothing starts the agent at login: run 'zavera install'")
	}
	for _, p := range r.Installation.Policies {
		if p.Error != "" {
			problem("the %s policy %s cannot be read: %s", p.Browser, p.File, p.Error)
		}
	}
	if len(r.Installation.NativeHosts) == 0 {
		problem("the browser extension's native messaging host is registered with no browser: run 'zavera install'")
	}
	for _, h := range r.Installation.NativeHosts {
		if h.Error != "" {
			problem("the %s native messaging host %s: %s: run 'zavera install'", h.Browser, h.File, h.Error)
		}
	}
	t := &r.LocalTLS
	switch {
	case !t.Present:
		problem("no local TLS certificate (%s): run 'zavera install'", t.Error)
	case !t.ValidNow:
		problem("the local TLS certificate is not valid now: run 'zavera tls --force' and 'zavera install'")
	case !t.TrustedSystem && runtime.GOOS == "windows":
		problem("the certificate store (%s) does not hold the local CA: run 'zavera install'", t.SystemBundle)
	case !t.TrustedSystem:
		problem("the system trust store does not hold the local CA: run 'sudo zavera install --system'")
	}
	if t.Present {
		for _, db := range t.NSS {
			if !db.Trusted {
				problem("the %s database %s does not trust the local CA: run 'zavera install'", db.Browser, db.Dir)
			}
		}
	}

	// The window program, which the agent starts for every window.
	if r.UIProgram = findDoctorUIProgram(); !r.UIProgram.Found {
		problem("the window program %s is neither in %s nor on PATH: reinstall Zavera", r.UIProgram.Name, r.UIProgram.Searched)
	}

	// The agent's port: the first of the range where this user's Zavera
	// answers; the others name who holds them.
	agentPort := cfg.Port
	pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
	r.Ports = lookPorts(pctx, cfg.Port)
	pcancel()
	for _, st := range r.Ports {
		if st.Use == portZavera {
			agentPort = st.Port
			break
		}
	}
	r.Agent = doctorProbe(agentPort, t)
	if !r.Agent.Answers {
		problem("Zavera does not answer on port %d: %s", agentPort, r.Agent.Error)
	} else if t.Present && !r.Agent.WSSVerified {
		problem("wss:// on port %d does not present the local certificate: %s", agentPort, r.Agent.WSSError)
	}
	if r.Problems == nil {
		r.Problems = []string{}
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			fmt.Fprintf(stderr, "zavera doctor: %v\n", err)
			return 1
		}
	} else {
		printDoctor(stdout, r, m)
	}
	if len(r.Problems) > 0 {
		return 1
	}
	return 0
}

// tlsFolders are the folders that may hold the loopback certificate on
// the system goos: the state folder's tls/, then the machine's
// (/var/lib/zavera/tls on Linux and macOS, %ProgramData%\Zavera\tls on
// Windows, made by the MSI).
func tlsFolders(goos string, opts *installer.Options, cfg agent.Config) []string {
	dirs := []string{filepath.Join(cfg.StateDir, "tls")}
	if goos == "windows" {
		return append(dirs, installer.WindowsMachineTLSDir())
	}
	return append(dirs, opts.SystemTLSDir())
}

// doctorLocalTLS finds the loopback certificate the agent serves (the
// state folder's, else the machine's) and checks who trusts its CA.
func doctorLocalTLS(opts *installer.Options, cfg agent.Config, now time.Time) doctorTLS {
	var t doctorTLS
	dirs := tlsFolders(runtime.GOOS, opts, cfg)
	t.SearchedFolder = dirs
	var err error
	for _, dir := range dirs {
		if t.localTLSInfo, err = readLocalTLS(dir); err == nil {
			break
		}
	}
	if t.localTLSInfo == nil {
		t.Error = "none in " + strings.Join(dirs, " or ")
		return t
	}
	t.Present = true
	t.ValidNow = t.IssuedByCA && !now.Before(t.leaf.NotBefore) && !now.After(t.leaf.NotAfter)
	t.TrustedSystem, t.SystemBundle = opts.SystemStoreHas(t.caPEM)
	home := opts.Home
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	t.TrustedAllNSS = true
	for _, db := range installer.NSSDatabases(home) {
		d := doctorNSS{NSSDatabase: db, Trusted: db.Has(t.caPEM)}
		t.TrustedAllNSS = t.TrustedAllNSS && d.Trusted
		t.NSS = append(t.NSS, d)
	}
	if t.NSS == nil {
		t.NSS = []doctorNSS{}
	}
	return t
}

// doctorProbe asks the port as a page would, over ws:// and, when there
// is a local certificate, over wss:// checked against the local CA.
func doctorProbe(port int, t *doctorTLS) doctorAgent {
	a := doctorAgent{Port: port}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	proto, err := agent.Probe(ctx, fmt.Sprintf("ws://127.0.0.1:%d/", port), nil)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	a.Answers, a.Protocol = true, proto
	if !t.Present {
		return a
	}
	pool := x509.NewCertPool()
	pool.AddCert(t.ca)
	d := &websocket.Dialer{HandshakeTimeout: 5 * time.Second, TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	if _, err := agent.Probe(ctx, fmt.Sprintf("wss://127.0.0.1:%d/", port), d); err != nil {
		a.WSSError = err.Error()
		// Does wss answer at all, with some other certificate?
		insecure := &websocket.Dialer{HandshakeTimeout: 5 * time.Second, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
		_, err2 := agent.Probe(ctx, fmt.Sprintf("wss://127.0.0.1:%d/", port), insecure)
		a.WSSAnswers = err2 == nil
		return a
	}
	a.WSSAnswers, a.WSSVerified = true, true
	return a
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func printDoctor(w io.Writer, r *doctorReport, m *pkcs11.Manager) {
	fmt.Fprintf(w, "Zavera %s on %s\n\n", r.Version, r.OS)
	fmt.Fprintf(w, "Configuration: %s", r.Config.Path)
	if !r.Config.Exists {
		fmt.Fprint(w, " (absent: defaults in force)")
	}
	fmt.Fprintln(w)
	if c := r.Config.InForce; c != nil {
		fmt.Fprintf(w, "  Port:          %d\n", c.Port)
		fmt.Fprintf(w, "  State folder:  %s\n", c.StateDir)
		if r.Config.GroupPolicy != "" {
			fmt.Fprintf(w, "  Group policy:  %s\n", r.Config.GroupPolicy)
		}
		for _, o := range c.Origins {
			fmt.Fprintf(w, "  Pre-approved:  %s\n", o)
		}
		for _, o := range c.DevOrigins {
			fmt.Fprintf(w, "  Development:   %s\n", o)
		}
		for _, mod := range c.Modules {
			fmt.Fprintf(w, "  Module:        %s\n", mod)
		}
		if c.NoModuleDiscovery {
			fmt.Fprintln(w, "  Module discovery off")
		}
	}
	if r.LogFile != "" {
		fmt.Fprintf(w, "Log file: %s\n", r.LogFile)
	}
	fmt.Fprintln(w)
	if m != nil {
		printModules(w, m.Modules())
		fmt.Fprintln(w)
	}
	printModuleHosts(w, r.ModuleHosts)
	if len(r.Tokens) == 0 {
		fmt.Fprintln(w, "No tokens found.")
	}
	for _, t := range r.Tokens {
		printToken(w, t)
		printDriverNotes(w, r.TokenDrivers, t.ID)
	}
	fmt.Fprintln(w)
	if len(r.Certificates) == 0 {
		fmt.Fprintln(w, "No certificates on the tokens.")
	}
	for _, c := range r.Certificates {
		valid := "valid now"
		if !c.ValidNow {
			valid = "NOT valid now"
		}
		fmt.Fprintf(w, "Certificate %s\n  %-13s %s\n  %-13s %s to %s (%s)\n  %-13s %s\n", c.ID, "Owner:", c.Owner,
			"Valid:", c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly), valid, "Key:", c.KeyAlgorithm+", private key "+c.PrivateKey)
	}
	fmt.Fprintln(w)
	a := r.Agent
	fmt.Fprintf(w, "Agent on port %d: ", a.Port)
	if a.Answers {
		fmt.Fprintf(w, "Zavera answers (protocol %d); wss:// %s\n", a.Protocol, map[bool]string{true: "answers with the local certificate", false: "does not answer with the local certificate"}[a.WSSVerified])
	} else {
		fmt.Fprintf(w, "no answer (%s)\n", a.Error)
	}
	printPorts(w, r.Ports)
	fmt.Fprintln(w)
	t := r.LocalTLS
	if !t.Present {
		fmt.Fprintf(w, "Local TLS certificate: %s\n", t.Error)
	} else {
		fmt.Fprintf(w, "Local TLS certificate in %s, valid now: %s\n", t.Dir, yesNo(t.ValidNow))
		t.print(w)
		fmt.Fprintf(w, "  System store:  %s (%s)\n", yesNo(t.TrustedSystem), t.SystemBundle)
		for _, db := range t.NSS {
			fmt.Fprintf(w, "  NSS %-9s %s (%s)\n", db.Browser+":", yesNo(db.Trusted), db.Dir)
		}
	}
	fmt.Fprintln(w)
	if r.UIProgram.Found {
		fmt.Fprintf(w, "Window program: %s\n", r.UIProgram.Path)
	} else {
		fmt.Fprintf(w, "Window program: not found (%s)\n", r.UIProgram.Error)
	}
	for _, a := range r.Installation.Autostart {
		fmt.Fprintf(w, "Starts at login: %s\n", a)
	}
	for _, p := range r.Installation.Policies {
		fmt.Fprintf(w, "%s policy %s: %s\n", p.Browser, p.File, strings.Join(p.URLs, " "))
	}
	for _, h := range r.Installation.NativeHosts {
		fmt.Fprintf(w, "%s native messaging host %s: %s\n", h.Browser, h.File, h.Program)
	}
	if len(r.Installation.Autostart)+len(r.Installation.Policies)+len(r.Installation.NativeHosts) > 0 {
		fmt.Fprintln(w)
	}
	if len(r.Problems) == 0 {
		fmt.Fprintln(w, "No problems found.")
		return
	}
	fmt.Fprintln(w, "Problems:")
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
}

// printPorts tells who holds the ports of the range that are not free.
func printPorts(w io.Writer, ports []portStatus) {
	for _, st := range ports {
		switch st.Use {
		case portZavera:
			fmt.Fprintf(w, "  Port %d: this user's Zavera\n", st.Port)
		case portOtherUser:
			fmt.Fprintf(w, "  Port %d: held by a process of another user, %s\n", st.Port, otherUser(st))
		case portOwnProgram:
			fmt.Fprintf(w, "  Port %d: held by another program of this user (%s)\n", st.Port, st.Error)
		case portUnknownOwner:
			fmt.Fprintf(w, "  Port %d: held by a process whose owner cannot be told (%s)\n", st.Port, st.Error)
		}
	}
}
