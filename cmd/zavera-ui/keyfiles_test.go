package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/ui"
)

// The window's key list is the agent's: a container added in the window
// is in the state folder's list with its certificate, a folder that is not
// a key is refused, and removing forgets it.
func TestKeyFilesBackend(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	cfg := agent.Config{StateDir: filepath.Join(t.TempDir(), "state")}
	b := &mainBackend{cfg: cfg}
	vector, _ := filepath.Abs("../../../shared/keyfiles/cryptopro-container_csp5_gost2012-256-xcha_nopin.000")
	if err := b.AddKeyFile(vector); err != nil {
		t.Fatal(err)
	}
	if err := b.AddKeyFile(t.TempDir()); err == nil {
		t.Error("an empty folder was added")
	}
	keys, err := b.KeyFiles()
	if err != nil || len(keys) != 1 {
		t.Fatalf("KeyFiles = %+v, %v", keys, err)
	}
	k := keys[0]
	if k.Name != "srv" || !k.Added || k.Problem != "" || k.Kind != ui.KeyKindContainer || k.Certificate == nil || k.Certificate.Owner == "" {
		t.Fatalf("key %+v", k)
	}
	// The agent reads the same list.
	if got, _, _ := keysource.OpenList(appconf.KeysPath(cfg)).Load(); len(got) != 1 || got[0].ID != k.ID {
		t.Fatalf("the agent's list: %+v", got)
	}
	if err := b.RemoveKeyFile(k.ID); err != nil {
		t.Fatal(err)
	}
	if keys, _ := b.KeyFiles(); len(keys) != 0 {
		t.Errorf("after remove: %+v", keys)
	}
}

// TestKeyFilesBackendPFX: a GOST PKCS#12 file that OpenSSL's engine
// wrote needs its password to be added from the window; a wrong one is
// ui.ErrWrongPassword and adds nothing, the right one adds the key with
// the certificate copied out, which the agent's list names.
func TestKeyFilesBackendPFX(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	osslref.Require(t)
	cfg := agent.Config{StateDir: filepath.Join(t.TempDir(), "state")}
	b := &mainBackend{cfg: cfg}
	base := t.TempDir()
	keyFile, certFile, pfxFile := filepath.Join(base, "k.pem"), filepath.Join(base, "c.pem"), filepath.Join(base, "petrov.pfx")
	osslref.Run(t, nil, "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A", "-out", keyFile)
	osslref.Run(t, nil, "req", "-new", "-x509", "-key", keyFile, "-days", "30", "-subj", "/CN=Петров", "-utf8", "-out", certFile)
	osslref.Run(t, nil, "pkcs12", "-export", "-inkey", keyFile, "-in", certFile, "-keypbe", "gost89", "-certpbe", "gost89",
		"-macalg", "md_gost12_256", "-passout", "pass:пароль 3", "-out", pfxFile)

	if !b.NeedsPasswordToAdd(pfxFile) {
		t.Fatal("a .pfx file does not need its password to be added")
	}
	vector, _ := filepath.Abs("../../../shared/keyfiles/cryptopro-container_csp5_gost2012-256-xcha_nopin.000")
	if b.NeedsPasswordToAdd(vector) {
		t.Error("a container folder needs a password to be added")
	}
	if err := b.AddKeyFileWithPassword(pfxFile, []byte("пароль 4")); !errors.Is(err, ui.ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	if keys, _ := b.KeyFiles(); len(keys) != 0 {
		t.Fatalf("added after a wrong password: %+v", keys)
	}
	if saved, _ := os.ReadDir(filepath.Join(cfg.StateDir, "keys")); len(saved) != 0 {
		t.Fatalf("files saved after a wrong password: %v", saved)
	}

	if err := b.AddKeyFileWithPassword(pfxFile, []byte("пароль 3")); err != nil {
		t.Fatal(err)
	}
	keys, err := b.KeyFiles()
	if err != nil || len(keys) != 1 {
		t.Fatalf("KeyFiles = %+v, %v", keys, err)
	}
	k := keys[0]
	if k.Kind != ui.KeyKindPKCS12 || !k.Added || k.Problem != "" || k.Certificate == nil || k.Certificate.Owner != "Петров" {
		t.Fatalf("key %+v", k)
	}
	got, _, _ := keysource.OpenList(appconf.KeysPath(cfg)).Load()
	if len(got) != 1 || got[0].Cert == "" {
		t.Fatalf("the agent's list: %+v", got)
	}
	pem, _ := os.ReadFile(certFile)
	want, _ := cert.ParseAll(pem)
	if saved, err := os.ReadFile(got[0].Cert); err != nil || len(want) != 1 || !bytes.Equal(saved, want[0].Raw) {
		t.Fatalf("the saved certificate is not the file's: %v", err)
	}
	data, _ := os.ReadFile(appconf.KeysPath(cfg))
	if bytes.Contains(data, []byte("пароль 3")) {
		t.Error("the password is in the list")
	}
}
