package installer

import (
	"io"
	"os"
	"path/filepath"
	"time"
)

// Scope says whose installation is changed.
type Scope int

const (
	// User changes the files of the user whose home is Options.Home.
	User Scope = iota
	// System changes the machine's files under Options.Root (as root).
	System
)

func (s Scope) String() string {
	if s == System {
		return "system"
	}
	return "user"
}

// Fixed names of what Zavera installs.
const (
	// Nickname is the name of the CA in NSS databases.
	Nickname = "Zavera local CA"
	// CAFileName is the CA's file name in the system trust stores.
	CAFileName = "zavera-local-ca"
	// PolicyFileName is the name of the browser policy files.
	PolicyFileName = "zavera.json"
	// DesktopFileName is the name of the autostart entry.
	DesktopFileName = "zavera.desktop"
	// PolicyName is the Chrome policy that lets the portals reach the
	// loopback agent without the Local Network Access prompt.
	PolicyName = "LocalNetworkAccessAllowedForUrls"
)

// Options say where and what to install. The zero value of each field has
// a sensible default.
type Options struct {
	Scope Scope
	// Root prefixes every system path; empty means "/".
	Root string
	// Home is the user's home folder; empty means $HOME. Used by the
	// user scope, and by the system scope to find users' homes only
	// through Root (Root/home/*, Root/root).
	Home string
	// StateDir is the user's state folder, whose tls/ holds a user's own
	// loopback certificate; empty means ~/.local/state/zavera (or
	// $XDG_STATE_HOME/zavera when Home is not given).
	StateDir string
	// Exe is the installed zavera executable named in the autostart
	// entry; empty means this process's executable.
	Exe string
	// BrowserPolicies writes the Chrome, Chromium and Yandex Browser
	// policies that pre-allow Origins to reach the agent (system scope).
	BrowserPolicies bool
	// Origins are the pre-approved portals for the policies.
	Origins []string
	// Log receives one line per step done; nil discards.
	Log io.Writer
	// Now is the time for certificate validity; zero means time.Now().
	Now time.Time
}

func (o *Options) root(parts ...string) string {
	r := o.Root
	if r == "" {
		r = "/"
	}
	return filepath.Join(append([]string{r}, parts...)...)
}

func (o *Options) home(parts ...string) string {
	h := o.Home
	if h == "" {
		h, _ = os.UserHomeDir()
	}
	return filepath.Join(append([]string{h}, parts...)...)
}

func (o *Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// SystemTLSDir is the folder of the machine's loopback certificate.
func (o *Options) SystemTLSDir() string { return o.root("var", "lib", "zavera", "tls") }

// UserTLSDir is the folder of a user's own loopback certificate: the
// state folder's tls/ that `zavera serve --tls` uses.
func (o *Options) UserTLSDir() string {
	if o.StateDir != "" {
		return filepath.Join(o.StateDir, "tls")
	}
	if o.Home == "" {
		if dir := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
			return filepath.Join(dir, "zavera", "tls")
		}
	}
	return o.home(".local", "state", "zavera", "tls")
}

// SystemAutostart is the XDG autostart entry the packages install.
func (o *Options) SystemAutostart() string {
	return o.root("etc", "xdg", "autostart", DesktopFileName)
}

// UserAutostart is a user's own XDG autostart entry.
func (o *Options) UserAutostart() string {
	return o.home(".config", "autostart", DesktopFileName)
}

// TLSDir is the folder whose certificate the agent serves for this
// installation: the machine's when there is one, else the user's.
func (o *Options) TLSDir() string {
	if o.Scope == System {
		return o.SystemTLSDir()
	}
	if _, err := os.Stat(filepath.Join(o.SystemTLSDir(), "cert.pem")); err == nil {
		return o.SystemTLSDir()
	}
	return o.UserTLSDir()
}
