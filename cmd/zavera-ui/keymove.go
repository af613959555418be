package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/keyfile"
	"github.com/zavera/zavera/pkcs11"
	"github.com/zavera/zavera/ui"
)

// The main window's «Перенести на токен»: the key is opened here, in the
// window's process, and written onto the token through the token's
// driver, which runs in a module host (the zavera program) as in the
// agent unless the configuration loads drivers in process or the zavera
// program is not found.

// moveManager opens the PKCS#11 modules of the configuration.
func (b *mainBackend) moveManager() (*pkcs11.Manager, error) {
	opts := pkcs11.Options{Modules: b.cfg.Modules, NoDiscovery: b.cfg.NoModuleDiscovery}
	if !b.cfg.ModuleHosts.InProcess {
		if exe, err := appconf.FindProgram(appconf.AgentProgram); err == nil {
			opts.Isolate = &pkcs11.Isolation{Command: []string{exe, pkcs11.HostCommand}}
		}
	}
	return pkcs11.Open(opts)
}

// MoveTargets lists the tokens present that sign with GOST keys of 256 or
// 512 bits.
func (b *mainBackend) MoveTargets() ([]ui.MoveTarget, error) {
	m, err := b.moveManager()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	toks, err := m.Tokens()
	if err != nil && len(toks) == 0 {
		return nil, err
	}
	out := []ui.MoveTarget{}
	for _, t := range toks {
		if m.AcceptsGOSTKeys(t.ID, 256) != nil && m.AcceptsGOSTKeys(t.ID, 512) != nil {
			continue
		}
		desc := strings.TrimSpace(strings.Join([]string{t.Manufacturer, t.Model}, " "))
		if t.Serial != "" {
			desc += ", " + t.Serial
		}
		out = append(out, ui.MoveTarget{ID: t.ID, Label: t.Label, Description: desc, PINPad: t.PIN.PINPad})
	}
	return out, nil
}

// MoveKey opens the key with password and writes it with its
// certificate onto the token, logging in with pin; the key is wiped
// after. The caller wipes password and pin.
func (b *mainBackend) MoveKey(keyID, tokenID string, password, pin []byte) error {
	var key *keysource.KeyInfo
	for _, k := range keysource.New(keysource.Options{List: b.keyList(), Discover: true}).Keys() {
		if k.ID == keyID {
			key = &k
			break
		}
	}
	if key == nil {
		return fmt.Errorf("no key %s", keyID)
	}
	m, err := b.moveManager()
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.AcceptsGOSTKeys(tokenID, key.Certificate.KeyBits); errors.Is(err, pkcs11.ErrNoGOSTKeys) {
		return fmt.Errorf("%w: %w", ui.ErrNoGOSTToken, err)
	} else if err != nil {
		return err
	}
	c, err := keysource.OpenContents(*key, string(password))
	if errors.Is(err, keyfile.ErrWrongPassword) {
		return fmt.Errorf("%w: %w", ui.ErrWrongPassword, err)
	}
	if err != nil {
		return err
	}
	defer c.Wipe()
	_, err = m.ImportKey(tokenID, c.Key, key.Certificate.Raw, key.Name, func(pkcs11.PINRequest) ([]byte, error) {
		return append([]byte(nil), pin...), nil
	})
	switch {
	case errors.Is(err, pkcs11.ErrPINIncorrect), errors.Is(err, pkcs11.ErrPINInvalid):
		return fmt.Errorf("%w: %w", ui.ErrWrongPIN, err)
	case errors.Is(err, pkcs11.ErrNoGOSTKeys):
		return fmt.Errorf("%w: %w", ui.ErrNoGOSTToken, err)
	case errors.Is(err, pkcs11.ErrKeyOnToken):
		return fmt.Errorf("%w: %w", ui.ErrKeyOnToken, err)
	}
	return err
}

var _ ui.KeyMover = (*mainBackend)(nil)
