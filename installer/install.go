package installer

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"

	"github.com/zavera/zavera/agent/localtls"
)

// Install sets Zavera up in the scope of o (see the package doc). Every
// step is tried; the error joins the failures, each a *StepError.
func Install(o Options) error {
	if runtime.GOOS == "windows" {
		return installWindows(&o)
	}
	if o.Scope == System {
		return installSystem(&o)
	}
	return installUser(&o)
}

// Uninstall removes what Install added in the scope of o.
func Uninstall(o Options) error {
	if runtime.GOOS == "windows" {
		return uninstallWindows(&o)
	}
	if o.Scope == System {
		return uninstallSystem(&o)
	}
	return uninstallUser(&o)
}

// ensureTLS loads the loopback certificate in dir, or makes a new CA and
// certificate there, and returns the CA certificate (PEM).
func (o *Options) ensureTLS(dir string) ([]byte, error) {
	if _, err := localtls.Load(dir, o.now()); err != nil {
		if !errors.Is(err, localtls.ErrNoCertificate) {
			return nil, &StepError{Step: "local TLS", Path: dir, Err: err}
		}
		if _, err := localtls.Generate(dir, o.now()); err != nil {
			return nil, &StepError{Step: "local TLS", Path: dir, Err: err}
		}
		o.logf("local TLS: new CA and loopback certificate in %s; the CA key is destroyed", dir)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, localtls.CAFile))
	if err != nil {
		return nil, &StepError{Step: "local TLS", Path: dir, Err: err}
	}
	return caPEM, nil
}

// userHomes lists the homes under Root: Root/home/* and Root/root.
func (o *Options) userHomes() []string {
	homes, _ := filepath.Glob(o.root("home", "*"))
	sort.Strings(homes)
	if dirExists(o.root("root")) {
		homes = append(homes, o.root("root"))
	}
	var out []string
	for _, h := range homes {
		if dirExists(h) {
			out = append(out, h)
		}
	}
	return out
}

func installSystem(o *Options) error {
	if o.root() == "/" && !isRoot() {
		return &StepError{Step: "system installation", Err: ErrNeedsRoot}
	}
	dir := o.SystemTLSDir()
	caPEM, err := o.ensureTLS(dir)
	if err != nil {
		return err
	}
	var errs []error
	// Every desktop user's agent serves the machine's certificate, so
	// its key must be readable by them. It vouches for loopback names
	// only, and a local user could take the port first anyway.
	for _, p := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(p, 0o755); err != nil {
			errs = append(errs, &StepError{Step: "local TLS", Path: p, Err: err})
		}
	}
	if err := os.Chmod(filepath.Join(dir, localtls.KeyFile), 0o644); err != nil {
		errs = append(errs, &StepError{Step: "local TLS", Path: dir, Err: err})
	}
	if err := o.installSystemStore(caPEM); err != nil {
		errs = append(errs, err)
	}
	if o.BrowserPolicies {
		errs = append(errs, o.installPolicies()...)
	}
	errs = append(errs, o.installHostManifests()...)
	if _, err := findTool("certutil"); err == nil {
		for _, home := range o.userHomes() {
			errs = append(errs, o.installNSS(home, caPEM, false)...)
		}
	} else {
		o.logf("NSS databases: certutil is not installed; each user's databases are done at their next login")
	}
	return errors.Join(errs...)
}

func uninstallSystem(o *Options) error {
	if o.root() == "/" && !isRoot() {
		return &StepError{Step: "system uninstallation", Err: ErrNeedsRoot}
	}
	errs := o.uninstallPolicies()
	errs = append(errs, o.uninstallHostManifests()...)
	if err := o.uninstallSystemStore(); err != nil {
		errs = append(errs, err)
	}
	for _, home := range o.userHomes() {
		o.uninstallNSS(home)
	}
	dir := o.SystemTLSDir()
	if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, &StepError{Step: "local TLS", Path: dir, Err: err})
	} else {
		os.Remove(filepath.Dir(dir))
		o.logf("local TLS: removed %s", dir)
	}
	return errors.Join(errs...)
}

func installUser(o *Options) error {
	dir := o.TLSDir()
	var errs []error
	var caPEM []byte
	var err error
	if dir == o.SystemTLSDir() {
		caPEM, err = os.ReadFile(filepath.Join(dir, localtls.CAFile))
		if err != nil {
			err = &StepError{Step: "local TLS", Path: dir, Err: err}
		}
	} else {
		caPEM, err = o.ensureTLS(dir)
	}
	if err != nil {
		return err
	}
	errs = append(errs, o.installNSS(o.home(), caPEM, true)...)
	errs = append(errs, o.installHostManifests()...)
	if err := o.installUserAutostart(); err != nil {
		errs = append(errs, err)
	}
	if has, _ := o.SystemStoreHas(caPEM); !has {
		o.logf("system trust store: the CA is not there; programs other than the browsers trust wss:// after 'sudo zavera install --system'")
	}
	return errors.Join(errs...)
}

func uninstallUser(o *Options) error {
	o.uninstallNSS(o.home())
	errs := o.uninstallHostManifests()
	if err := o.uninstallUserAutostart(); err != nil {
		errs = append(errs, err)
	}
	dir := o.UserTLSDir()
	if dirExists(dir) {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, &StepError{Step: "local TLS", Path: dir, Err: err})
		} else {
			o.logf("local TLS: removed %s", dir)
		}
	}
	return errors.Join(errs...)
}
