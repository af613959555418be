package prompter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/zavera/zavera/agent"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/internal/displaytext"
	"github.com/zavera/zavera/ui/i18n"
	"github.com/zavera/zavera/ui/wire"
)

// ErrWindow is a window process that failed: it did not start, or it
// exited without an answer. It wraps agent.ErrCancelled, since the user
// did not confirm.
var ErrWindow = fmt.Errorf("%w: the window could not be shown", agent.ErrCancelled)

// TokenInfo is what the windows show about the token a key is on.
type TokenInfo struct {
	Label  string
	PINPad bool
	// SoftwareKey is true for a key file or container: the window asks
	// for its password.
	SoftwareKey bool
}

// Options configure a Prompter.
type Options struct {
	// Command makes the command of a window process (`zavera-ui prompt`).
	// Required.
	Command func() *exec.Cmd
	// Lang is the windows' language.
	Lang i18n.Lang
	// Token finds the token of a certificate; nil shows no token.
	Token func(c *cert.Certificate) TokenInfo
	// ApprovedOnce is told of sites the user allowed once.
	ApprovedOnce func(origin string)
	// HoldPIN is how long a PIN typed in the signing window waits for the
	// token to ask it; default 20 seconds.
	HoldPIN time.Duration
	// KillAfter is how long an abandoned window process has to exit
	// before it is killed; default 3 seconds.
	KillAfter time.Duration
	// Spare, when set, makes the command of a spare window process
	// (`zavera-ui prompt --spare`): one is started after each prompt and
	// kept for SpareFor, so that the prompts that follow in a session
	// (the signature after the pairing, a PIN asked again) show at once.
	// A spare costs what a window costs while it waits; after SpareFor
	// without prompts it exits and the agent is small again.
	Spare    func() *exec.Cmd
	SpareFor time.Duration
	// ProgressLinger is how long a batch's progress window stays once
	// the batch is finished, unless the user closes it; default 5
	// seconds.
	ProgressLinger time.Duration
	// Shown, when set, hears how long each window took to show.
	Shown func(kind wire.Kind, d time.Duration)
	// Log gets the window processes' failures; nil discards them.
	Log *slog.Logger
	// Stderr gets the window processes' own output; nil discards it.
	Stderr io.Writer
	// Now gives the time; default time.Now.
	Now func() time.Time
}

// Prompter opens Zavera's windows for the agent.
type Prompter struct {
	o    Options
	turn chan struct{}

	mu         sync.Mutex
	paused     bool
	held       *heldPIN
	spare      *proc
	spareTimer *time.Timer
	closed     bool
	// noPIN lists certificates (by Streebog thumbprint) whose token asked
	// no PIN after the last confirmation.
	noPIN map[[32]byte]bool
}

// heldPIN is a PIN typed in a signing window, waiting for the token.
type heldPIN struct {
	origin string
	thumb  [32]byte
	pin    *agent.PIN
	timer  *time.Timer
}

// New returns a Prompter.
func New(o Options) (*Prompter, error) {
	if o.Command == nil {
		return nil, errors.New("prompter: no window command")
	}
	if o.HoldPIN <= 0 {
		o.HoldPIN = 20 * time.Second
	}
	if o.ProgressLinger <= 0 {
		o.ProgressLinger = 5 * time.Second
	}
	if o.KillAfter <= 0 {
		o.KillAfter = 3 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lang == "" {
		o.Lang = i18n.English
	}
	return &Prompter{o: o, turn: make(chan struct{}, 1), noPIN: map[[32]byte]bool{}}, nil
}

// SetPaused pauses or resumes signing: while paused every prompt is
// refused at once.
func (p *Prompter) SetPaused(paused bool) {
	p.mu.Lock()
	p.paused = paused
	p.mu.Unlock()
}

// Paused reports whether signing is paused.
func (p *Prompter) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// refusePaused refuses a prompt while paused, telling the user why.
func (p *Prompter) refusePaused(origin string) error {
	if !p.Paused() {
		return nil
	}
	p.Notify(agent.Notice{Origin: origin, Message: p.o.Lang.T(i18n.PausedNotice, origin)})
	return fmt.Errorf("%w: signing is paused", agent.ErrCancelled)
}

// ApproveOrigin implements agent.Prompter.
func (p *Prompter) ApproveOrigin(ctx context.Context, r agent.OriginRequest) error {
	p.dropHeld()
	if err := p.refusePaused(r.Origin); err != nil {
		return err
	}
	reply, pin, err := p.show(ctx, &wire.Request{Kind: wire.KindPair, Origin: r.Origin, PairingCode: r.PairingCode})
	wipe(pin)
	if err != nil {
		return err
	}
	switch reply.Answer {
	case wire.ApproveAlways:
		return nil
	case wire.Approve:
		if p.o.ApprovedOnce != nil {
			p.o.ApprovedOnce(r.Origin)
		}
		return nil
	}
	return fmt.Errorf("%w: site refused", agent.ErrCancelled)
}

// ConfirmSigning implements agent.Prompter.
func (p *Prompter) ConfirmSigning(ctx context.Context, r agent.SigningRequest) error {
	if err := p.refusePaused(r.Origin); err != nil {
		return err
	}
	var tok TokenInfo
	if p.o.Token != nil && r.Certificate != nil {
		tok = p.o.Token(r.Certificate)
	}
	var thumb [32]byte
	if r.Certificate != nil {
		thumb = r.Certificate.ThumbprintStreebog()
	}
	p.mu.Lock()
	p.dropHeldLocked(p.held != nil && p.held.thumb == thumb)
	p.mu.Unlock()
	req := &wire.Request{Kind: wire.KindSign, Origin: r.Origin, Signing: signing(r.Kind, r.Description, r.Files, r.Count, r.Certificate, tok.Label)}
	req.Signing.Declared = declared(r.Declared)
	req.Signing.Cosigners = cosigners(r.Cosigners)
	p.mu.Lock()
	askPIN := !p.noPIN[thumb]
	p.mu.Unlock()
	if tok.PINPad {
		req.PIN = &wire.PINField{Token: tok.Label, TriesLeft: -1, PINPad: true}
	} else if askPIN {
		req.PIN = &wire.PINField{Token: tok.Label, TriesLeft: -1, Password: tok.SoftwareKey}
	}
	reply, pin, err := p.show(ctx, req)
	if err != nil {
		wipe(pin)
		return err
	}
	if reply.Answer != wire.Confirm {
		wipe(pin)
		return fmt.Errorf("%w: signing refused", agent.ErrCancelled)
	}
	if len(pin) > 0 {
		p.hold(r.Origin, thumb, pin)
	}
	return nil
}

// PIN implements agent.Prompter.
func (p *Prompter) PIN(ctx context.Context, r agent.PINRequest) (*agent.PIN, error) {
	var thumb [32]byte
	if r.Certificate != nil {
		thumb = r.Certificate.ThumbprintStreebog()
	}
	p.mu.Lock()
	delete(p.noPIN, thumb)
	p.mu.Unlock()
	if !r.Retry {
		if pin := p.takeHeld(r.Origin, thumb); pin != nil {
			return pin, nil
		}
	}
	p.dropHeld()
	if err := p.refusePaused(r.Origin); err != nil {
		return nil, err
	}
	label := r.Token.Label
	req := &wire.Request{Kind: wire.KindPIN, Origin: r.Origin,
		Signing: signing(agent.SignDocument, "", nil, 0, r.Certificate, label),
		PIN:     &wire.PINField{Token: label, TriesLeft: r.TriesLeft, Retry: r.Retry, Password: r.Token.SoftwareKey}}
	reply, pin, err := p.show(ctx, req)
	defer wipe(pin)
	if err != nil {
		return nil, err
	}
	if reply.Answer != wire.Confirm || len(pin) == 0 {
		return nil, fmt.Errorf("%w: no PIN", agent.ErrCancelled)
	}
	return agent.NewPIN(pin), nil
}

// Notify implements agent.Prompter: the notice opens in its own window
// once the windows before it are answered; Notify does not wait.
func (p *Prompter) Notify(n agent.Notice) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		_, pin, err := p.show(ctx, &wire.Request{Kind: wire.KindNotice, Origin: n.Origin, Message: n.Message})
		wipe(pin)
		if err != nil {
			p.o.Log.Warn("notice not shown", "message", n.Message, "err", err)
		}
	}()
}

// maxPreviews caps the previews of one request, so that a batch of
// text documents stays within wire.MaxRequest; the documents past it are
// shown without.
const maxPreviews = 256 << 10

// signing converts what the agent knows into what the window shows. Page
// text is cleaned again here (internal/displaytext), whatever the agent
// did, so that no path reaches a window uncleaned.
func signing(kind agent.SigningKind, desc string, files []agent.FileInfo, count int, c *cert.Certificate, token string) *wire.Signing {
	s := &wire.Signing{What: string(kind), Description: displaytext.Line(desc), Count: count, Certificate: wire.FromCertificate(c, token)}
	switch kind {
	case agent.SignDocument, agent.SignBatch, agent.SignChallenge, agent.SignCosign, agent.SignRaw:
	default:
		s.What = string(agent.SignDocument)
	}
	if len(files) > wire.MaxFiles {
		files = files[:wire.MaxFiles]
	}
	previews := 0
	for _, f := range files {
		wf := wire.File{
			Name: cut(displaytext.Line(f.Name), wire.MaxText), Size: max(f.Size, 0),
			Hash: cut(displaytext.Line(f.Hash), wire.MaxText), HashAlg: cut(displaytext.Line(f.HashAlg), wire.MaxText),
			PreviewType: cut(displaytext.Line(f.PreviewType), wire.MaxText), Pages: max(f.Pages, 0),
		}
		if pv := cut(displaytext.Block(f.Preview), wire.MaxPreview); previews+len(pv) <= maxPreviews {
			wf.Preview = pv
			previews += len(pv)
		}
		s.Files = append(s.Files, wf)
	}
	s.Description = cut(s.Description, wire.MaxText)
	return s
}

// cosigners converts the names of the signers already on a signature,
// cleaned as page text is.
func cosigners(names []string) []string {
	if len(names) > wire.MaxFiles {
		names = names[:wire.MaxFiles]
	}
	var out []string
	for _, n := range names {
		out = append(out, cut(displaytext.Line(n), wire.MaxText))
	}
	return out
}

// declared converts the names a page gave for one document.
func declared(files []agent.FileInfo) []wire.File {
	if len(files) > wire.MaxFiles {
		files = files[:wire.MaxFiles]
	}
	var out []wire.File
	for _, f := range files {
		out = append(out, wire.File{Name: cut(displaytext.Line(f.Name), wire.MaxText), Size: max(f.Size, 0)})
	}
	return out
}

// cut shortens s to at most n bytes, at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// hold keeps a PIN for the token's request that should follow.
func (p *Prompter) hold(origin string, thumb [32]byte, pin []byte) {
	h := &heldPIN{origin: origin, thumb: thumb, pin: agent.NewPIN(pin)}
	wipe(pin)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropHeldLocked(false)
	p.held = h
	h.timer = time.AfterFunc(p.o.HoldPIN, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.held == h {
			p.dropHeldLocked(true)
		}
	})
}

// takeHeld hands over the PIN held for origin and the certificate.
func (p *Prompter) takeHeld(origin string, thumb [32]byte) *agent.PIN {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.held
	if h == nil || h.origin != origin || h.thumb != thumb {
		return nil
	}
	h.timer.Stop()
	p.held = nil
	return h.pin
}

// dropHeld wipes a held PIN because another prompt comes first.
func (p *Prompter) dropHeld() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropHeldLocked(false)
}

// dropHeldLocked wipes the held PIN. unasked says that the token did not
// ask for it (it expired, or the certificate is being confirmed again),
// so the certificate's next confirmation goes without the field.
func (p *Prompter) dropHeldLocked(unasked bool) {
	if p.held == nil {
		return
	}
	p.held.timer.Stop()
	p.held.pin.Wipe()
	if unasked {
		p.noPIN[p.held.thumb] = true
	}
	p.held = nil
}

// holding reports whether a PIN is held (for tests).
func (p *Prompter) holding() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held != nil
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

var _ agent.Prompter = (*Prompter)(nil)
