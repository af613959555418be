package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/zavera/zavera/installer"
)

const installUsage = `Usage: zavera install [--system] [--root DIR] [--home DIR] [--origin URL]...
                      [--[no-]browser-policies] [--config FILE] [--exe PATH] [--quiet]
       zavera uninstall [--system] [--root DIR] [--home DIR] [--config FILE] [--quiet]

Sets Zavera up so that portals reach it with no further configuration,
or (uninstall) removes all of it again. The packages run these commands.

For the user (the default): trusts the local CA (made by 'zavera tls' if
needed, or the machine's) in the user's Firefox profiles and in
~/.pki/nssdb, which Chromium and Chrome read, registers the browser
extension's native messaging host (zavera-host, beside zavera) with the
user's Chrome, Chromium, Yandex Browser, Edge and Firefox (those whose
folders exist), and, without a package, starts the agent at login
(~/.config/autostart).

With --system (as root): makes the machine's local CA and loopback
certificate in /var/lib/zavera/tls, destroys the CA key, puts the CA in
the system trust store and in every user's NSS databases, and writes the
Chrome, Chromium and Yandex Browser policies (LocalNetworkAccessAllowedForUrls)
that let the pre-approved portals reach the agent without the Local
Network Access prompt, and registers the native messaging host in the
machine's folders of Chrome, Chromium, Edge and Firefox. On Windows the
host is registered under HKCU (HKLM with --system) for every browser.

On Windows the CA goes into the user's Root certificate store (Windows
asks the user to confirm once) and Firefox's ImportEnterpriseRoots
policy is set under HKCU; with --system (an administrator, as the MSI
does) the machine's CA and certificate are made in
%ProgramData%\Zavera\tls, the CA goes into LocalMachine\Root and the
policy under HKLM. Uninstall removes the CA, and the policy value if
install set it.

  --system               the machine instead of the user.
  --root DIR             take system paths under DIR (package builds, tests).
  --home DIR             the user's home folder (default $HOME).
  --origin URL           a portal for the browser policies; repeatable.
                         Default: the configuration's origins.
  --no-browser-policies  do not write the browser policies (--system).
  --browser-policies     write them for the user too (Windows: HKCU;
                         on Linux policies are the machine's only).
  --config FILE          the configuration: its origins, and the state
                         folder for a user's own certificate (default:
                         the user's, or ROOT/etc/zavera/config.json).
  --exe PATH             the zavera executable the autostart entry runs;
                         the host manifests name zavera-host beside it.
  --quiet                print only failures.

Exit status: 0 done, 1 a step failed (the others were done), 2 bad usage.`

type installArgs struct {
	opts     installer.Options
	config   string
	noPolicy bool
	policy   bool
	quiet    bool
	origins  []string
}

func parseInstallArgs(name string, args []string) (*installArgs, error) {
	a := &installArgs{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	system := fs.Bool("system", false, "")
	fs.StringVar(&a.opts.Root, "root", "", "")
	fs.StringVar(&a.opts.Home, "home", "", "")
	fs.BoolVar(&a.quiet, "quiet", false, "")
	fs.StringVar(&a.config, "config", "", "")
	if name == "install" {
		fs.StringVar(&a.opts.Exe, "exe", "", "")
		fs.BoolVar(&a.noPolicy, "no-browser-policies", false, "")
		fs.BoolVar(&a.policy, "browser-policies", false, "")
		fs.Func("origin", "", func(v string) error { a.origins = append(a.origins, v); return nil })
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if a.policy && a.noPolicy {
		return nil, errors.New("--browser-policies and --no-browser-policies exclude each other")
	}
	for _, p := range []*string{&a.opts.Root, &a.opts.Home, &a.opts.Exe} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return nil, err
			}
			*p = abs
		}
	}
	if *system {
		a.opts.Scope = installer.System
	}
	return a, nil
}

// runInstall implements `zavera install`.
func runInstall(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	return installOrUninstall("install", args, stdout, stderr)
}

// runUninstall implements `zavera uninstall`.
func runUninstall(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	return installOrUninstall("uninstall", args, stdout, stderr)
}

func installOrUninstall(name string, args []string, stdout, stderr io.Writer) int {
	a, err := parseInstallArgs(name, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, installUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "zavera %s: %v\n\n%s\n", name, err, installUsage)
		return 2
	}
	if !a.quiet {
		a.opts.Log = stdout
	}
	// A user's own certificate lives in the state folder of the
	// configuration named, where 'zavera serve --tls' looks.
	if a.opts.Scope == installer.User && (a.config != "" || a.opts.Home == "") {
		cfg, err := loadAgentConfig(a.config)
		if err != nil {
			fmt.Fprintf(stderr, "zavera %s: %v\n", name, err)
			return 1
		}
		a.opts.StateDir = cfg.StateDir
	}
	if name == "uninstall" {
		if err := installer.Uninstall(a.opts); err != nil {
			fmt.Fprintf(stderr, "zavera uninstall: %v\n", err)
			return 1
		}
		return 0
	}
	origins := a.origins
	if origins == nil {
		path := a.config
		if path == "" && a.opts.Scope == installer.System {
			root := a.opts.Root
			if root == "" {
				root = "/"
			}
			path = filepath.Join(root, "etc", "zavera", "config.json")
		}
		cfg, err := loadAgentConfig(path)
		if err != nil {
			fmt.Fprintf(stderr, "zavera install: %v\n", err)
			return 1
		}
		origins = cfg.Origins
	}
	if _, err := installer.PolicyURLs(origins); err != nil {
		fmt.Fprintf(stderr, "zavera install: %v\n", err)
		return 2
	}
	a.opts.Origins = origins
	a.opts.BrowserPolicies = a.policy || (a.opts.Scope == installer.System && !a.noPolicy)
	if err := installer.Install(a.opts); err != nil {
		fmt.Fprintf(stderr, "zavera install: %v\n", err)
		return 1
	}
	return 0
}
