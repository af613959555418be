package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/zavera/zavera/ui"
	"github.com/zavera/zavera/ui/mainlink"
)

// linkedBackend is the main window opened by the agent (`zavera-ui main
// --agent-link`): the tokens come from the agent, as pages see them, and
// «Показать сертификаты» asks the agent to log in (package ui/mainlink).
// The rest is the window's own.
type linkedBackend struct {
	*mainBackend
	link *mainlink.Client
}

// linkTo makes the link over the window's standard input and output.
// Anything else written to standard output from now on goes to standard
// error instead, so as not to break the link.
func linkTo(stdin io.Reader, stdout io.Writer) *mainlink.Client {
	if stdout == os.Stdout {
		os.Stdout = os.Stderr
	}
	return mainlink.NewClient(stdin, stdout)
}

func (b *linkedBackend) Tokens() ([]ui.TokenView, error) {
	toks, err := b.link.Tokens()
	if err != nil {
		return nil, err
	}
	out := make([]ui.TokenView, 0, len(toks))
	for _, t := range toks {
		out = append(out, ui.TokenView{ID: t.ID, Label: t.Label, Model: t.Model, Serial: t.Serial, PINLocked: t.PINLocked,
			CertificatesAfterLogin: t.CertificatesAfterLogin, Certificates: t.Certificates})
	}
	return out, nil
}

// ShowCertificates asks the agent to log in to the token; the agent asks
// the PIN in its PIN window.
func (b *linkedBackend) ShowCertificates(tokenID string) error {
	err := b.link.Login(tokenID)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mainlink.ErrWrongPIN):
		return fmt.Errorf("%w: %w", ui.ErrWrongPIN, err)
	case errors.Is(err, mainlink.ErrCancelled):
		return fmt.Errorf("%w: %w", ui.ErrLoginCancelled, err)
	case errors.Is(err, mainlink.ErrClosed):
		return fmt.Errorf("%w: %w", ui.ErrNoAgent, err)
	}
	return err
}

var _ ui.TokenLogin = (*linkedBackend)(nil)
