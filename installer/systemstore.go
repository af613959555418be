package installer

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// trustStore is a Linux system trust store: a folder of anchors and the
// tool that rebuilds the bundle from it.
type trustStore struct {
	name   string // "ca-certificates" or "ca-trust"
	anchor string // where Zavera's CA file goes
	bundle string // the bundle programs read
	update func(o *Options, removed bool) error
}

// systemStore finds the trust store of the system under Root: Debian's
// ca-certificates, else Fedora's ca-trust; nil when neither is there.
func (o *Options) systemStore() *trustStore {
	if dirExists(o.root("etc", "ssl", "certs")) && fileExists(o.root("etc", "ca-certificates.conf")) {
		return &trustStore{
			name:   "ca-certificates",
			anchor: o.root("usr", "local", "share", "ca-certificates", CAFileName+".crt"),
			bundle: o.root("etc", "ssl", "certs", "ca-certificates.crt"),
			update: updateCACertificates,
		}
	}
	if dirExists(o.root("etc", "pki", "ca-trust", "source", "anchors")) {
		return &trustStore{
			name:   "ca-trust",
			anchor: o.root("etc", "pki", "ca-trust", "source", "anchors", CAFileName+".pem"),
			bundle: o.root("etc", "pki", "tls", "certs", "ca-bundle.crt"),
			update: updateCATrust,
		}
	}
	return nil
}

// updateCACertificates runs Debian's update-ca-certificates on the
// folders under Root; after a removal it rebuilds the links afresh, as
// otherwise the link to a removed certificate stays.
func updateCACertificates(o *Options, removed bool) error {
	var args []string
	if removed {
		args = append(args, "--fresh")
	}
	_, err := runTool(nil, "update-ca-certificates", append(args,
		"--certsconf", o.root("etc", "ca-certificates.conf"),
		"--certsdir", o.root("usr", "share", "ca-certificates"),
		"--localcertsdir", o.root("usr", "local", "share", "ca-certificates"),
		"--etccertsdir", o.root("etc", "ssl", "certs"),
		"--hooksdir", o.root("etc", "ca-certificates", "update.d"))...)
	return err
}

// updateCATrust runs Fedora's update-ca-trust, which knows no other root
// than "/": under another Root the anchor is placed and the bundle is
// left to the next update.
func updateCATrust(o *Options, _ bool) error {
	if o.root() != "/" {
		return nil
	}
	_, err := runTool(nil, "update-ca-trust", "extract")
	return err
}

// installSystemStore puts the CA into the system trust store.
func (o *Options) installSystemStore(caPEM []byte) error {
	ts := o.systemStore()
	if ts == nil {
		return &StepError{Step: "system trust store", Err: fmt.Errorf("%w: neither ca-certificates nor ca-trust", ErrToolMissing)}
	}
	if old, err := os.ReadFile(ts.anchor); err == nil && bytes.Equal(old, caPEM) && bundleHas(ts.bundle, caPEM) {
		o.logf("system trust store (%s): CA already there", ts.name)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(ts.anchor), 0o755); err != nil {
		return &StepError{Step: "system trust store", Path: ts.anchor, Err: err}
	}
	if err := writeAtomic(ts.anchor, caPEM, 0o644); err != nil {
		return &StepError{Step: "system trust store", Path: ts.anchor, Err: err}
	}
	if err := ts.update(o, false); err != nil {
		return &StepError{Step: "system trust store", Err: err}
	}
	o.logf("system trust store (%s): added %s", ts.name, ts.anchor)
	return nil
}

// uninstallSystemStore takes the CA out of the system trust store.
func (o *Options) uninstallSystemStore() error {
	ts := o.systemStore()
	if ts == nil {
		return nil
	}
	err := os.Remove(ts.anchor)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &StepError{Step: "system trust store", Path: ts.anchor, Err: err}
	}
	if err := ts.update(o, true); err != nil {
		return &StepError{Step: "system trust store", Err: err}
	}
	o.logf("system trust store (%s): removed %s", ts.name, ts.anchor)
	return nil
}

// SystemStoreHas reports whether the system bundle under Root holds the
// CA certificate (PEM) and which bundle it looked in.
func (o *Options) SystemStoreHas(caPEM []byte) (bool, string) {
	if runtime.GOOS == "windows" {
		return windowsStoreHas(o, caPEM)
	}
	ts := o.systemStore()
	if ts == nil {
		return false, ""
	}
	return bundleHas(ts.bundle, caPEM), ts.bundle
}

// bundleHas reports whether a PEM bundle holds the certificate of caPEM.
func bundleHas(bundle string, caPEM []byte) bool {
	want, _ := pem.Decode(caPEM)
	if want == nil {
		return false
	}
	data, err := os.ReadFile(bundle)
	if err != nil {
		return false
	}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return false
		}
		if bytes.Equal(b.Bytes, want.Bytes) {
			return true
		}
	}
}
