package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/agent/keysource"
	"github.com/zavera/zavera/internal/appconf"
)

// softwareKeySource is the software keys the command-line tools see: the
// keys added with 'zavera keys add' and the containers found on the
// drives. A configuration that cannot be read gives the discovered ones
// only.
func softwareKeySource() *keysource.Source {
	opts := keysource.Options{Discover: true, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if cfg, err := loadAgentConfig(""); err == nil {
		opts.List = keysource.OpenList(appconf.KeysPath(cfg))
	}
	return keysource.New(opts)
}

// softKey is a usable software key with its source.
type softKey struct {
	src  *keysource.Source
	info keysource.KeyInfo
}

// softwareKeyOf returns the software key of the certificate ID, or nil.
func softwareKeyOf(certID string) *softKey {
	src := softwareKeySource()
	for _, k := range src.Keys() {
		if k.Err == nil && k.CertificateID == certID {
			return &softKey{src: src, info: k}
		}
	}
	return nil
}

// open asks for the key's password (when it has one) through pins and
// opens the key. The caller closes it, which wipes it.
func (k *softKey) open(pins *pinSource) (agent.Key, error) {
	return k.src.OpenKey(context.Background(), k.info.CertificateID, func(_ context.Context, tok agent.Token) (*agent.PIN, error) {
		pw, err := pins.password(tok.Label)
		if err != nil {
			return nil, err
		}
		defer clear(pw)
		return agent.NewPIN(pw), nil
	})
}

// softKeyOpenText says why a software key did not open.
func softKeyOpenText(err error) string {
	if errors.Is(err, agent.ErrPINIncorrect) {
		return "wrong password for the key"
	}
	return "the key cannot be opened: " + keyErrorText(err)
}
