package ui

import (
	"errors"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/zavera/zavera/ui/i18n"
)

// TokenLogin is what a Backend implements to offer «Показать
// сертификаты» / "Show certificates" on a token that shows its
// certificates only after a login (TokenView.CertificatesAfterLogin).
// The press is the user's own request: the agent logs its token source
// in, asking the PIN in Zavera's PIN window (the window process never
// sees the PIN), and the token's certificates then appear for pages and
// here while the login lasts. A page can never cause this: listing
// certificates does not log in.
type TokenLogin interface {
	// ShowCertificates logs the agent in to the token with the ID. It
	// blocks while the PIN is asked. A wrong PIN wraps ErrWrongPIN, a
	// refused PIN window ErrLoginCancelled, an agent that is not running
	// ErrNoAgent; nothing changes then.
	ShowCertificates(tokenID string) error
}

// Errors of TokenLogin.ShowCertificates that the window tells apart.
var (
	ErrLoginCancelled = errors.New("ui: the PIN was not given")
	ErrNoAgent        = errors.New("ui: the agent is not running")
)

// tokenLogins are the «Показать сертификаты» buttons by token ID, the
// message of the last login per token, and the logins under way.
type tokenLogins struct {
	buttons map[string]*widget.Button
	notes   map[string]string
	running sync.WaitGroup
}

// loginButton is the token's «Показать сертификаты» button, or nil when
// the backend cannot log in or the token needs no login to show them.
func (m *Main) loginButton(t TokenView) *widget.Button {
	tl, ok := m.b.(TokenLogin)
	if !ok || !t.CertificatesAfterLogin || t.ID == "" {
		return nil
	}
	id := t.ID
	var b *widget.Button
	b = widget.NewButtonWithIcon(m.lang.T(i18n.TokenShowCerts), theme.VisibilityIcon(), func() {
		b.Disable()
		m.logins.running.Add(1)
		go func() {
			defer m.logins.running.Done()
			err := tl.ShowCertificates(id)
			fyne.Do(func() { m.loginDone(id, err) })
		}()
	})
	m.logins.buttons[id] = b
	return b
}

// loginDone shows what a login gave: the certificates, or why not.
func (m *Main) loginDone(id string, err error) {
	l := m.lang
	switch {
	case err == nil:
		delete(m.logins.notes, id)
	case errors.Is(err, ErrLoginCancelled):
		delete(m.logins.notes, id)
	case errors.Is(err, ErrWrongPIN):
		m.logins.notes[id] = l.T(i18n.PINWrong)
	case errors.Is(err, ErrNoAgent):
		m.logins.notes[id] = l.T(i18n.TokenLoginNoAgent)
	default:
		m.logins.notes[id] = l.T(i18n.TokenLoginFailed, err)
	}
	m.refreshTokens()
}

// WaitLogins waits for the logins started from the window to end and
// their results to be shown. For tests.
func (m *Main) WaitLogins() { m.logins.running.Wait() }

// LoginButton is the token's «Показать сертификаты» button, nil when the
// tokens page shows none for it.
func (m *Main) LoginButton(tokenID string) *widget.Button { return m.logins.buttons[tokenID] }

// LoginNote is what the tokens page says of the token's last login that
// failed, "" when nothing.
func (m *Main) LoginNote(tokenID string) string { return m.logins.notes[tokenID] }
