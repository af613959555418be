package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/keyfile"
	"github.com/zavera/zavera/ui"
	"github.com/zavera/zavera/ui/wire"
)

// The main window's software keys: the list in the state folder that the
// agent reads at each request, and the containers found on the drives.

func (b *mainBackend) keyList() *keysource.List {
	return keysource.OpenList(appconf.KeysPath(b.cfg))
}

func (b *mainBackend) KeyFiles() ([]ui.KeyFileView, error) {
	keys := keysource.New(keysource.Options{List: b.keyList(), Discover: true}).Keys()
	out := make([]ui.KeyFileView, 0, len(keys))
	for _, k := range keys {
		v := ui.KeyFileView{ID: k.ID, Name: k.Name, Path: k.Path, Kind: ui.KeyKindContainer, Added: k.Added, Problem: keyProblem(k.Err),
			PasswordNeeded: k.PasswordNeeded}
		if k.Kind == keysource.KindPKCS12 {
			v.Kind = ui.KeyKindPKCS12
		}
		if k.Err == nil {
			v.Certificate = wire.FromCertificate(k.Certificate, k.Name)
		}
		out = append(out, v)
	}
	return out, nil
}

// keyProblem classes why a key cannot be used for the window's text.
func keyProblem(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, fs.ErrNotExist):
		return ui.KeyProblemMissing
	case errors.Is(err, keyfile.ErrUnsupported):
		return ui.KeyProblemUnsupported
	case errors.Is(err, keysource.ErrNoCertificate):
		return ui.KeyProblemNoCertificate
	}
	return ui.KeyProblemDamaged
}

func (b *mainBackend) AddKeyFile(path string) error {
	_, err := b.keyList().Add(path, "")
	return err
}

func (b *mainBackend) RemoveKeyFile(id string) error { return b.keyList().Remove(id) }

// NeedsPasswordToAdd: a PKCS#12 file keeps its certificate encrypted with
// its password.
func (b *mainBackend) NeedsPasswordToAdd(path string) bool { return keysource.NeedsPasswordToAdd(path) }

// AddKeyFileWithPassword copies the certificate of the key file at path
// out with its password, as 'zavera keys add' does, into keys/ of the
// state folder, and remembers the key with it. The password is not kept;
// the caller wipes it. A wrong password adds nothing.
func (b *mainBackend) AddKeyFileWithPassword(path string, password []byte) error {
	der, err := keysource.CertificateFromKey(path, string(password))
	if errors.Is(err, keyfile.ErrWrongPassword) {
		return fmt.Errorf("%w: %w", ui.ErrWrongPassword, err)
	}
	if err != nil {
		return err
	}
	certFile, err := keysource.SaveCertificate(filepath.Join(b.cfg.StateDir, "keys"), path, der)
	if err != nil {
		return err
	}
	if _, err := b.keyList().Add(path, certFile); err != nil {
		os.Remove(certFile)
		return err
	}
	return nil
}

var (
	_ ui.KeyFiles         = (*mainBackend)(nil)
	_ ui.KeyFilePasswords = (*mainBackend)(nil)
)
