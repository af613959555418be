package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/internal/osslref"
	"github.com/zavera/zavera/internal/pkcs11bench/provision"
	"github.com/zavera/zavera/ui"
)

// TestMoveKeyBackend: the window's backend offers the GOST test token and
// not SoftHSM (no GOST) as targets, refuses SoftHSM with
// ui.ErrNoGOSTToken, says ui.ErrWrongPIN for a wrong PIN, and with the
// right one writes the CryptoPro container's key and certificate onto the
// token, whose certificate list then holds it; the container stays.
func TestMoveKeyBackend(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	osslref.Require(t)
	dir := t.TempDir()
	module := filepath.Join(osslref.Root(t), "build", "libgosttoken.so")
	if _, err := os.Stat(module); err != nil {
		t.Fatalf("the GOST test token is not built (%v): run make testtoken", err)
	}
	t.Setenv("GOSTTOKEN_DIR", dir)
	if err := provision.GOSTTokenConfig(dir, 10, "one"); err != nil {
		t.Fatal(err)
	}
	if err := provision.InitTokens(module, "Zavera GOST"); err != nil {
		t.Fatal(err)
	}
	softConf, err := provision.SoftHSMConfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", softConf)
	if err := provision.SoftHSMToken(softConf, "Zavera Soft"); err != nil {
		t.Fatal(err)
	}
	cfg := agent.Config{StateDir: filepath.Join(dir, "state"), Modules: []string{module, provision.SoftHSMModule},
		NoModuleDiscovery: true, ModuleHosts: agent.ModuleHosts{InProcess: true}}
	b := &mainBackend{cfg: cfg}
	vector, _ := filepath.Abs("../../../shared/keyfiles/cryptopro-container_csp5_gost2012-256-xcha_nopin.000")
	if err := b.AddKeyFile(vector); err != nil {
		t.Fatal(err)
	}
	keys, err := b.KeyFiles()
	if err != nil || len(keys) != 1 || keys[0].PasswordNeeded {
		t.Fatalf("keys %+v, %v", keys, err)
	}
	targets, err := b.MoveTargets()
	if err != nil || len(targets) != 1 || targets[0].Label != "Zavera GOST" {
		t.Fatalf("targets %+v, %v", targets, err)
	}
	toks, err := b.Tokens()
	if err != nil || len(toks) != 2 {
		t.Fatalf("tokens %+v, %v", toks, err)
	}
	var softID string
	{
		m, err := b.moveManager()
		if err != nil {
			t.Fatal(err)
		}
		all, _ := m.Tokens()
		for _, tok := range all {
			if tok.Label == "Zavera Soft" {
				softID = tok.ID
			}
		}
		m.Close()
	}
	if err := b.MoveKey(keys[0].ID, softID, nil, []byte(provision.UserPIN)); !errors.Is(err, ui.ErrNoGOSTToken) {
		t.Fatalf("move onto SoftHSM: %v", err)
	}
	if err := b.MoveKey(keys[0].ID, targets[0].ID, nil, []byte("00000000")); !errors.Is(err, ui.ErrWrongPIN) {
		t.Fatalf("move with a wrong PIN: %v", err)
	}
	if toks, _ := b.Tokens(); len(toks[0].Certificates)+len(toks[1].Certificates) != 0 {
		t.Fatalf("certificates after the refusals: %+v", toks)
	}
	if err := b.MoveKey(keys[0].ID, targets[0].ID, nil, []byte(provision.UserPIN)); err != nil {
		t.Fatalf("move: %v", err)
	}
	toks, _ = b.Tokens()
	for _, tok := range toks {
		want := 0
		if tok.Label == "Zavera GOST" {
			want = 1
		}
		if len(tok.Certificates) != want || (want == 1 && tok.Certificates[0].Owner != keys[0].Certificate.Owner) {
			t.Fatalf("token %s: certificates %+v", tok.Label, tok.Certificates)
		}
	}
	if _, err := os.Stat(filepath.Join(vector, "header.key")); err != nil {
		t.Fatalf("the container is gone: %v", err)
	}
}
